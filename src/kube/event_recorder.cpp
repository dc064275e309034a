#include "kube/event_recorder.h"

#include <random>

#include <fmt/format.h>

#include "kube/log.h"
#include "kube/guard.h"
#include "kube/object.h"
#include "kube/time.h"

namespace pave::kube {
namespace {

Json object_reference(const Json& o) {
  Json ref = {{"apiVersion", o.value("apiVersion", "")}, {"kind", o.value("kind", "")}, {"name", meta::name(o)}};
  if (auto ns = meta::namespace_of(o); !ns.empty()) ref["namespace"] = ns;
  if (auto uid = meta::uid(o); !uid.empty()) ref["uid"] = uid;
  if (auto rv = meta::resource_version(o); !rv.empty()) ref["resourceVersion"] = rv;
  return ref;
}

// Events of cluster-scoped objects go to the default namespace, as client-go's recorder does.
std::string event_namespace(const Json& regarding) {
  auto ns = meta::namespace_of(regarding);
  return ns.empty() ? "default" : ns;
}

}  // namespace

EventRecorder::EventRecorder(Client client, EventRecorderOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventRecorder::record(const Json& regarding, const std::string& type, const std::string& reason,
                           const std::string& action, const std::string& note) {
  std::lock_guard lock(mu_);
  if (pending_.size() >= options_.max_pending) {
    ++dropped_;
    return;
  }
  // The API limits notes to 1 kB.
  pending_.push_back({regarding, type, reason, action, note.size() > 1024 ? note.substr(0, 1021) + "..." : note});
  cv_.notify_all();
}

void EventRecorder::flush() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return pending_.empty() && in_flight_ == 0; });
}

size_t EventRecorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void EventRecorder::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and everything is written
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    ++in_flight_;
    lock.unlock();
    call_logged("recording an Event", p.reason, [&] { write(p); });
    lock.lock();
    --in_flight_;
    cv_.notify_all();
  }
}

void EventRecorder::write(const Pending& p) {
  const std::string key = meta::uid(p.regarding) + "|" + meta::key(p.regarding) + "|" + p.type + "|" + p.reason +
                          "|" + p.action + "|" + p.note;
  const auto now = std::chrono::steady_clock::now();
  const Resource events = resources::events();
  auto it = series_.find(key);
  if (it != series_.end() && now - it->second.last < options_.series_window) {
    Series& s = it->second;
    s.count += 1;
    s.last = now;
    auto patched = client_.patch(events, s.namespace_, s.name, PatchType::kMerge,
                                 {{"series", {{"count", s.count}, {"lastObservedTime", micro_time_now()}}}});
    if (patched || patched.error().kind != ErrorKind::kNotFound) return;
    series_.erase(it);  // the Event expired on the server: start a new one
  }
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string ns = event_namespace(p.regarding);
  const std::string name = meta::name(p.regarding) + "." + fmt::format("{:016x}", rng());
  Json event = {{"apiVersion", "events.k8s.io/v1"}, {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"eventTime", micro_time_now()},
                {"reportingController", options_.reporting_controller},
                {"reportingInstance", options_.reporting_instance},
                {"action", p.action}, {"reason", p.reason}, {"note", p.note}, {"type", p.type},
                {"regarding", object_reference(p.regarding)}};
  auto created = client_.create(events, ns, event);
  if (!created) {
    log::warn("could not record event", {{"reason", p.reason}, {"object", meta::key(p.regarding)},
                                          {"error", created.error().to_string()}});
    return;
  }
  series_[key] = Series{ns, name, 1, now};
}

}  // namespace pave::kube
