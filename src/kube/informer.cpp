#include "kube/informer.h"

#include <random>
#include <unordered_set>

#include "kube/guard.h"
#include "kube/object.h"

namespace pave::kube {
namespace {

constexpr auto kMinBackoff = std::chrono::milliseconds(200);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

bool is_gone_event(const Json& status) {
  return status.is_object() && (status.value("code", 0) == 410 || status.value("reason", "") == "Expired" ||
                                status.value("reason", "") == "Gone");
}

}  // namespace

Informer::Informer(Client client, Resource resource, InformerOptions options)
    : client_(std::move(client)), resource_(std::move(resource)), options_(std::move(options)), store_(options_.compact_cache) {}

Informer::~Informer() { stop(); }

void Informer::add_handler(EventHandler handler) {
  std::lock_guard lock(handlers_mu_);
  if (synced_.load() && handler.on_add) {
    for (const auto& o : store_.list()) call_logged("an add handler of " + resource_.plural, meta::key(*o), [&] { handler.on_add(o); });
  }
  handlers_.push_back(std::move(handler));
}

void Informer::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  if (options_.resync_period.count() > 0) resync_thread_ = std::thread([this] { run_resync(); });
}

void Informer::request_stop() {
  stopping_ = true;
  state_cv_.notify_all();
}

void Informer::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_mu_);
  return state_cv_.wait_for(lock, timeout, [&] { return synced_.load() || stopping_.load(); }) && synced_.load();
}

Informer::Stats Informer::stats() const {
  std::lock_guard lock(state_mu_);
  return stats_;
}

bool Informer::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock lock(state_mu_);
  state_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  return !stopping_.load();
}

void Informer::run() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::chrono::milliseconds backoff = kMinBackoff;
  while (!stopping_) {
    bool need_list;
    {
      std::lock_guard lock(state_mu_);
      need_list = need_list_;
    }
    // Whatever a list or watch throws (a response nobody foresaw) is one failed attempt, retried.
    Status s = guarded("listing and watching " + resource_.plural,
                       [&] { return need_list ? list_and_replace() : watch_once(); });
    if (stopping_) break;
    if (s) {
      backoff = kMinBackoff;
      continue;
    }
    if (s.error().kind == ErrorKind::kGone) {
      std::lock_guard lock(state_mu_);
      need_list_ = true;
      ++stats_.gone;
      continue;  // list at once: nothing is wrong with the server
    }
    auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 100)(rng));
    if (!sleep_unless_stopped(backoff + jitter)) break;
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
  }
}

ObjectPtr Informer::prepare(Json&& object) const {
  if (options_.strip_managed_fields && object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  return std::make_shared<const Json>(std::move(object));
}

Status Informer::list_and_replace() {
  // Page by page: a page is cached and dropped before the next is fetched, so a large list never sits in
  // memory whole. Handlers are told only what differs from the cache (a relist after 410 repeats nothing
  // already told); deletions are known only once every page is in.
  ListOptions options{.label_selector = options_.label_selector, .field_selector = options_.field_selector,
                      .limit = options_.list_page_size, .metadata_only = options_.metadata_only};
  std::unordered_set<std::string> seen;
  std::string list_version;
  for (;;) {
    auto page = client_.list(resource_, options_.namespace_, options);
    if (!page) return std::unexpected(page.error());
    if (list_version.empty()) list_version = page->resource_version;  // the snapshot every page belongs to
    for (auto& item : page->items) {
      ObjectPtr now = prepare(std::move(item));
      const std::string key = meta::key(*now);
      seen.insert(key);
      if (store_.resource_version(key) == meta::resource_version(*now)) continue;  // told already
      ObjectPtr old = store_.upsert(now);
      old ? dispatch_update(old, now) : dispatch_add(now);
    }
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    options.resource_version.clear();  // a continue token carries its own version
  }
  for (const auto& cached : store_.list()) {
    const std::string key = meta::key(*cached);
    if (!seen.contains(key)) {
      store_.erase(key);
      dispatch_delete(cached);
    }
  }
  {
    std::lock_guard lock(state_mu_);
    last_version_ = list_version;
    need_list_ = false;
    ++stats_.lists;
  }
  synced_ = true;
  state_cv_.notify_all();
  return {};
}

Status Informer::watch_once() {
  WatchOptions options{.label_selector = options_.label_selector,
                       .field_selector = options_.field_selector,
                       .metadata_only = options_.metadata_only};
  {
    std::lock_guard lock(state_mu_);
    options.resource_version = last_version_;
    ++stats_.watches;
  }
  // Spread the server-side timeouts so many informers do not reconnect in step.
  static thread_local std::mt19937 rng{std::random_device{}()};
  options.timeout_seconds = std::uniform_int_distribution<int>(240, 480)(rng);
  bool gone = false;
  Status s = watch(client_, resource_, options_.namespace_, options,
                   [&](WatchEvent&& e) {
                     if (e.type == WatchEventType::kError) {
                       gone = is_gone_event(e.object);
                       return false;
                     }
                     return apply(std::move(e));
                   },
                   stopping_);
  if (gone) return std::unexpected(make_error(ErrorKind::kGone, "watch of " + resource_.plural + " expired"));
  return s;
}

bool Informer::apply(WatchEvent&& event) {
  const std::string version = meta::resource_version(event.object);
  if (event.type == WatchEventType::kBookmark) {
    std::lock_guard lock(state_mu_);
    last_version_ = version;
    return true;
  }
  ObjectPtr now = prepare(std::move(event.object));
  const std::string key = meta::key(*now);
  if (event.type == WatchEventType::kDeleted) {
    if (ObjectPtr old = store_.erase(key)) dispatch_delete(old);
  } else {
    if (store_.resource_version(key) != version) {
      ObjectPtr old = store_.upsert(now);
      old ? dispatch_update(old, now) : dispatch_add(now);
    }
  }
  std::lock_guard lock(state_mu_);
  last_version_ = version;
  return true;
}

void Informer::run_resync() {
  while (sleep_unless_stopped(options_.resync_period)) {
    if (!synced_) continue;
    for (const auto& o : store_.list()) dispatch_update(o, o);
  }
}

void Informer::dispatch_add(const ObjectPtr& o) {
  std::lock_guard lock(handlers_mu_);
  for (const auto& h : handlers_) {
    if (h.on_add) call_logged("an add handler of " + resource_.plural, meta::key(*o), [&] { h.on_add(o); });
  }
}

void Informer::dispatch_update(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  std::lock_guard lock(handlers_mu_);
  for (const auto& h : handlers_) {
    if (h.on_update) {
      call_logged("an update handler of " + resource_.plural, meta::key(*new_object), [&] { h.on_update(old_object, new_object); });
    }
  }
}

void Informer::dispatch_delete(const ObjectPtr& o) {
  std::lock_guard lock(handlers_mu_);
  for (const auto& h : handlers_) {
    if (h.on_delete) call_logged("a delete handler of " + resource_.plural, meta::key(*o), [&] { h.on_delete(o); });
  }
}

}  // namespace pave::kube
