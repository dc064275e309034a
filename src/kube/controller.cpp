#include "kube/controller.h"

#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/object.h"

namespace pave::kube {

Request Request::from_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::vector<Request> controller_owners(const Json& object, const Resource& owner) {
  std::vector<Request> out;
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return out;
  auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return out;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false) || ref.value("kind", "") != owner.kind) continue;
    if (GroupVersionKind::from(ref.value("apiVersion", ""), "").group != owner.group) continue;
    out.push_back({owner.namespaced ? meta::namespace_of(object) : "", ref.value("name", "")});
  }
  return out;
}

Controller::Controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options,
                       Metrics* metrics)
    : name_(std::move(name)),
      reconciler_(std::move(reconciler)),
      options_(std::move(options)),
      metrics_(metrics),
      queue_(std::make_shared<WorkQueue>(options_.rate_limiter(), metrics ? metrics->work_queue_hooks(name_) : WorkQueueHooks{})) {}

Controller::~Controller() { stop(); }

void Controller::watch(Informer& informer, UpdatePredicate update_matters) {
  // Handlers hold the queue, not the controller, weakly: an informer may outlive its controller.
  auto enqueue_self = [queue = std::weak_ptr<WorkQueue>(queue_)](const ObjectPtr& o) {
    if (auto q = queue.lock()) q->add(meta::key(*o));
  };
  informer.add_handler({.on_add = enqueue_self,
                        .on_update = [enqueue_self, update_matters](const ObjectPtr& before, const ObjectPtr& after) {
                          if (update_matters && before != after && !update_matters(*before, *after)) return;
                          enqueue_self(after);
                        },
                        .on_delete = enqueue_self});
}

std::function<void(const Request&)> Controller::enqueuer() const {
  return [queue = std::weak_ptr<WorkQueue>(queue_)](const Request& request) {
    if (auto q = queue.lock()) q->add(request.key());
  };
}

bool changed_beyond_status(const Json& before, const Json& after) {
  if (meta::generation(before) != meta::generation(after)) return true;
  static const Json kNone;
  auto field = [](const Json& o, const char* name) -> const Json& {
    auto m = o.find("metadata");
    if (m == o.end() || !m->is_object()) return kNone;
    auto f = m->find(name);
    return f == m->end() ? kNone : *f;
  };
  for (const char* name : {"labels", "annotations", "finalizers", "deletionTimestamp"}) {
    if (field(before, name) != field(after, name)) return true;
  }
  return false;
}

void Controller::watch_owned(Informer& informer, const Resource& owner) {
  watch_mapped(informer, [owner](const Json& o) { return controller_owners(o, owner); });
}

void Controller::watch_mapped(Informer& informer, std::function<std::vector<Request>(const Json&)> map,
                              UpdatePredicate update_matters) {
  auto enqueue = [queue = std::weak_ptr<WorkQueue>(queue_), map = std::move(map)](const ObjectPtr& o) {
    auto q = queue.lock();
    if (!q) return;
    for (const auto& r : map(*o)) q->add(r.key());
  };
  // On update both versions count: an object that stopped concerning an owner must still wake it.
  informer.add_handler({.on_add = enqueue,
                        .on_update = [enqueue, update_matters](const ObjectPtr& before, const ObjectPtr& after) {
                          if (update_matters && before != after && !update_matters(*before, *after)) return;
                          if (before != after) enqueue(before);
                          enqueue(after);
                        },
                        .on_delete = enqueue});
}

void Controller::start() {
  if (!workers_.empty()) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { worker(); });
  log::info("controller started", {{"controller", name_}, {"workers", std::to_string(options_.workers)}});
}

void Controller::stop() {
  queue_->shut_down();
  for (auto& w : workers_) w.join();
  if (!workers_.empty()) log::info("controller stopped", {{"controller", name_}});
  workers_.clear();
}

void Controller::worker() {
  while (auto key = queue_->get()) {
    process(*key);
    queue_->done(*key);
  }
}

void Controller::process(const std::string& key) {
  const auto start = std::chrono::steady_clock::now();
  // An exception from a reconciler (a library's, on input nobody foresaw) is that key's error, not the
  // end of the process: logged, and retried with backoff like any other.
  Result<ReconcileResult> result = std::unexpected(make_error(ErrorKind::kOther, "reconcile did not finish"));
  try {
    result = reconciler_->reconcile(Request::from_key(key));
  } catch (const std::exception& e) {
    result = std::unexpected(make_error(ErrorKind::kOther, std::string("reconcile threw: ") + e.what()));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string outcome;
  if (!result) {
    outcome = "error";
    log::warn("reconcile failed", {{"controller", name_}, {"key", key}, {"error", result.error().to_string()},
                                   {"retries", std::to_string(queue_->num_requeues(key))}});
    queue_->add_rate_limited(key);
  } else if (result->requeue_after.count() > 0) {
    outcome = "requeue_after";
    queue_->forget(key);
    queue_->add_after(key, result->requeue_after);
  } else {
    outcome = "success";
    queue_->forget(key);
  }
  if (metrics_) metrics_->reconcile_finished(name_, outcome, seconds);
}

}  // namespace pave::kube
