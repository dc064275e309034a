// ResourceControllers: one resource-request controller per Promise API, started when a Promise's CRD
// is established and stopped when the Promise goes, all in the one manager and sharing its Job and Work
// caches (kratix-spec.md 2.2, 2.7 step 5). Job and Work events reach the right controller through one
// handler per shared cache, by the objects' kratix.io/promise-name and kratix.io/resource-name labels.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kube/manager.h"
#include "platform/resource_request_reconciler.h"

namespace pave::platform {

class ResourceControllers {
 public:
  // jobs, works, promises, revisions and bindings are the manager's shared caches (the context's are the
  // same). A Promise whose availability changes (Available, or its pause label) wakes all its requests once
  // the cache shows it; so does a change to one of its revisions.
  ResourceControllers(kube::Manager& manager, RequestControllerContext context, kube::Informer& jobs, kube::Informer& works,
                      kube::Informer& promises, kube::Informer& revisions, kube::Informer& bindings);
  ~ResourceControllers();

  // Makes sure the requests of promise's API (api) have a running controller.
  void ensure(const std::string& promise, const kube::Resource& api);
  // Stops the controller of promise's API, if it has one.
  void stop(const std::string& promise);
  // Reconciles every request of promise's API (the Promise changed or became available).
  void wake_all(const std::string& promise);
  bool running(const std::string& promise) const;

 private:
  struct Running {
    kube::Resource api;
    kube::Controller* controller = nullptr;
    kube::Informer* requests = nullptr;
    std::function<void(const kube::Request&)> enqueue;
  };
  // Where Job and Work events go: the enqueuer of each running controller, by Promise. Shared with the
  // handlers on the manager's caches, which may outlive this object.
  struct Routes {
    std::mutex mu;
    std::map<std::string, std::function<void(const kube::Request&)>> by_promise;
    std::map<std::string, std::function<void()>> wake_by_promise;  // enqueues every request of the Promise
    void route(const kube::Json& object);
    void wake_all(const std::string& promise);
  };

  kube::Manager& manager_;
  RequestControllerContext context_;
  std::shared_ptr<Routes> routes_ = std::make_shared<Routes>();
  mutable std::mutex mu_;
  std::map<std::string, Running> running_;
};

}  // namespace pave::platform
