#include "platform/resource_controllers.h"

#include "kube/log.h"
#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "workflow/labels.h"

namespace pave::platform {

namespace {

// What a Promise's requests wait on: its Available condition and its pause label.
std::string availability(const kube::Json& promise) {
  const kube::Json* available = api::find_condition(promise, api::promise::kAvailable);
  return (available ? available->value("status", "") : "") + "/" + kube::meta::label(promise, workflow::kLabelPaused);
}

}  // namespace

ResourceControllers::ResourceControllers(kube::Manager& manager, RequestControllerContext context, kube::Informer& jobs,
                                         kube::Informer& works, kube::Informer& promises, kube::Informer& revisions,
                                         kube::Informer& bindings)
    : manager_(manager), context_(std::move(context)) {
  auto route = [routes = std::weak_ptr<Routes>(routes_)](const kube::ObjectPtr& o) {
    if (auto r = routes.lock()) r->route(*o);
  };
  kube::EventHandler handler{.on_add = route,
                             .on_update = [route](const kube::ObjectPtr&, const kube::ObjectPtr& after) { route(after); },
                             .on_delete = route};
  jobs.add_handler(handler);
  works.add_handler(handler);
  // A request's binding changing (or deleted) wakes the request; a revision changing wakes every request
  // of its Promise, which may run that revision's spec.
  bindings.add_handler(handler);
  auto wake_promise = [routes = std::weak_ptr<Routes>(routes_)](const kube::ObjectPtr& revision) {
    if (auto r = routes.lock()) r->wake_all(kube::string_at(kube::child(kube::child(*revision, "spec"), "promiseRef"), "name"));
  };
  revisions.add_handler({.on_add = wake_promise,
                                  .on_update = [wake_promise](const kube::ObjectPtr& before, const kube::ObjectPtr& after) {
                                    if (kube::child(*before, "spec") != kube::child(*after, "spec") ||
                                        kube::child(*before, "status") != kube::child(*after, "status")) {
                                      wake_promise(after);
                                    }
                                  },
                                  .on_delete = wake_promise});
  promises.add_handler({.on_update = [routes = std::weak_ptr<Routes>(routes_)](const kube::ObjectPtr& before,
                                                                              const kube::ObjectPtr& after) {
    if (availability(*before) == availability(*after)) return;
    if (auto r = routes.lock()) r->wake_all(kube::meta::name(*after));
  }});
}

void ResourceControllers::Routes::wake_all(const std::string& promise) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu);
    auto it = wake_by_promise.find(promise);
    if (it == wake_by_promise.end()) return;
    wake = it->second;
  }
  wake();
}

ResourceControllers::~ResourceControllers() {
  std::vector<std::string> promises;
  {
    std::lock_guard lock(mu_);
    for (const auto& [promise, r] : running_) promises.push_back(promise);
  }
  for (const auto& p : promises) stop(p);
}

void ResourceControllers::Routes::route(const kube::Json& object) {
  const std::string promise = kube::meta::label(object, api::kLabelPromiseName);
  const std::string name = kube::meta::label(object, api::kLabelResourceName);
  if (promise.empty() || name.empty()) return;
  // A Job runs in the request's namespace, or says where its request is (pipelineNamespace).
  std::string ns = kube::meta::annotations(object)[workflow::kAnnotationJobResourceNamespace];
  if (ns.empty()) ns = kube::meta::label(object, api::kLabelResourceNamespace);
  if (ns.empty()) ns = kube::meta::namespace_of(object);
  std::function<void(const kube::Request&)> enqueue;
  {
    std::lock_guard lock(mu);
    auto it = by_promise.find(promise);
    if (it == by_promise.end()) return;
    enqueue = it->second;
  }
  enqueue({ns, name});
}

void ResourceControllers::ensure(const std::string& promise, const kube::Resource& api) {
  std::lock_guard lock(mu_);
  if (auto it = running_.find(promise); it != running_.end()) {
    if (it->second.api == api) return;
  }
  kube::Informer& requests = manager_.informer(api);
  auto reconciler = std::make_shared<ResourceRequestReconciler>(context_, promise, api, requests);
  kube::Controller& controller = manager_.add_controller("resource-request/" + promise, reconciler, {.workers = 4});
  controller.watch(requests, kube::changed_beyond_status);
  running_[promise] = {api, &controller, &requests, controller.enqueuer()};
  std::lock_guard routes_lock(routes_->mu);
  routes_->by_promise[promise] = controller.enqueuer();
  routes_->wake_by_promise[promise] = [&requests, enqueue = controller.enqueuer()] {
    for (const auto& rr : requests.store().list()) enqueue({kube::meta::namespace_of(*rr), kube::meta::name(*rr)});
  };
  kube::log::info("resource request controller started", {{"promise", promise}, {"kind", api.kind}});
}

void ResourceControllers::stop(const std::string& promise) {
  Running r;
  {
    std::lock_guard lock(mu_);
    auto it = running_.find(promise);
    if (it == running_.end()) return;
    r = it->second;
    running_.erase(it);
  }
  {
    std::lock_guard lock(routes_->mu);
    routes_->by_promise.erase(promise);
    routes_->wake_by_promise.erase(promise);
  }
  // The controller first: its workers read the informer's store until they are joined (TSan saw a
  // reconcile reading the store while the informer was destroyed). Its handlers left on the informer hold
  // its queue weakly, so events arriving meanwhile go nowhere.
  manager_.remove_controller(*r.controller);
  manager_.remove_informer(r.api);
  kube::log::info("resource request controller stopped", {{"promise", promise}});
}

void ResourceControllers::wake_all(const std::string& promise) { routes_->wake_all(promise); }

bool ResourceControllers::running(const std::string& promise) const {
  std::lock_guard lock(mu_);
  return running_.contains(promise);
}

}  // namespace pave::platform
