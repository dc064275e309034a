// StateStoreReconciler makes a GitStateStore or BucketStateStore usable: it reads the Secret the store
// names, opens a writer (a clone for Git, a listing for a bucket), proves it may write, and records the
// outcome as status.status and a Ready condition with Kratix's reasons and messages, plus an Event. A
// writer is reopened when the store's generation or its Secret changes.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/state_store_registry.h"

namespace pave::platform {

class StateStoreReconciler : public kube::Reconciler {
 public:
  // kind is "GitStateStore" or "BucketStateStore"; stores is the informer of that kind.
  // minimum_fetch_interval is Kratix's git.minimumFetchInterval, for every Git writer opened.
  StateStoreReconciler(kube::Client client, std::string kind, const kube::Informer& stores, StateStoreRegistry& registry,
                       kube::EventRecorder& events, std::string cache_dir,
                       std::chrono::milliseconds minimum_fetch_interval = std::chrono::seconds(5));

  // How a store is brought back once its last writer has closed: the controller's enqueuer.
  void set_wake(std::function<void(const kube::Request&)> wake) { wake_ = std::move(wake); }

  // A metadata-only informer of Secrets. With it, a store whose Secret is cached unchanged since its writer
  // opened is not read from the API server again (a refresh every minute read it each time); the data is
  // read only to open a writer. Without it, or for a Secret it does not hold, every reconcile reads it.
  void set_secret_metadata(const kube::Informer* secrets) { secrets_ = secrets; }

  // How often a Ready store's writer reads its remote again (Writer::refresh), so that files changed there
  // behind Pave's back reach the drift listeners while nothing is written; 0: never. Set before starting.
  void set_refresh_interval(std::chrono::milliseconds interval) { refresh_interval_ = interval; }

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // The requests for stores of this kind that name secret (for a Secret informer's events).
  std::vector<kube::Request> stores_using(const kube::Json& secret) const;

 private:
  // Opens and checks a writer for store with the Secret's data; an error carries the reason to report.
  struct Failure {
    std::string reason;
    std::string message;
  };
  std::expected<std::shared_ptr<statestore::Writer>, Failure> open_writer(const kube::Json& store, const kube::Json& secret);
  kube::Status report(const kube::Json& store, bool ready, const std::string& reason, const std::string& message);

  kube::Client client_;
  const std::string kind_;
  const kube::Informer& stores_;
  const kube::Informer* secrets_ = nullptr;
  StateStoreRegistry& registry_;
  kube::EventRecorder& events_;
  const std::string cache_dir_;
  const std::chrono::milliseconds minimum_fetch_interval_;
  std::function<void(const kube::Request&)> wake_;
  std::chrono::milliseconds refresh_interval_{0};
};

}  // namespace pave::platform
