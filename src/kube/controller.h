// A controller: events from informers become keys in a work queue; N workers hand each key to a
// Reconciler, one key at a time per worker and never one key to two workers.
//
//   Controller c("promise", reconciler, {.workers = 2});
//   c.watch(promises);                          // the kind itself
//   c.watch_owned(works, promise_resource);     // objects it owns, mapped to their controller owner
//   c.watch_mapped(destinations, [](const Json& d) { return requests_for(d); });
//   c.start(); ... c.stop();
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kube/informer.h"
#include "kube/reconciler.h"
#include "kube/work_queue.h"

namespace pave::kube {

class Metrics;

struct ControllerOptions {
  int workers = 2;
  std::function<std::unique_ptr<ItemRateLimiter>()> rate_limiter = default_controller_rate_limiter;
};

class Controller {
 public:
  Controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options = {},
             Metrics* metrics = nullptr);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const std::string& name() const { return name_; }

  // Reconcile the informer's objects themselves. When update_matters is given, updates it returns false
  // for (old, new) are ignored (adds, deletes and resyncs always count).
  using UpdatePredicate = std::function<bool(const Json& old_object, const Json& new_object)>;
  void watch(Informer& informer, UpdatePredicate update_matters = nullptr);
  // Reconcile the controller owner (ownerReferences with controller: true) of the informer's objects,
  // when that owner is of the given resource's kind and group.
  void watch_owned(Informer& informer, const Resource& owner);
  // Reconcile whatever map says an event's object concerns. When update_matters is given, updates it
  // returns false for (old, new) are ignored (adds and deletes always count).
  void watch_mapped(Informer& informer, std::function<std::vector<Request>(const Json&)> map,
                    UpdatePredicate update_matters = nullptr);

  // Enqueues a request directly.
  void enqueue(const Request& request) { queue_->add(request.key()); }
  // A function that enqueues a request, safe to call from any thread at any time, even after this
  // controller is gone (it then does nothing): for work that finishes on other threads.
  std::function<void(const Request&)> enqueuer() const;

  void start();
  // Stops taking new keys and waits for workers to finish their current one.
  void stop();

  WorkQueue& queue() { return *queue_; }

 private:
  void worker();
  void process(const std::string& key);

  const std::string name_;
  std::shared_ptr<Reconciler> reconciler_;
  const ControllerOptions options_;
  Metrics* metrics_;
  std::shared_ptr<WorkQueue> queue_;  // shared with enqueuer()s
  std::vector<std::thread> workers_;
};

// An UpdatePredicate for "more than the status changed": the generation (spec), labels, annotations,
// finalizers or the deletion timestamp. A controller's own status writes then do not wake it.
bool changed_beyond_status(const Json& old_object, const Json& new_object);

// The requests for the controller owners of object that are of owner's kind.
std::vector<Request> controller_owners(const Json& object, const Resource& owner);

}  // namespace pave::kube
