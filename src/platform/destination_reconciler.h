// DestinationReconciler (kratix-spec.md 4.5): keeps a Destination's finalizer in step with its cleanup
// policy, writes (or removes) the canary files that prove the cluster reads its state store, and reports
// Ready with Kratix's reasons. On deletion with cleanup: all it removes the canary files before letting go.
#pragma once

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/state_store_registry.h"
#include "statestore/layout.h"

namespace pave::platform {

class DestinationReconciler : public kube::Reconciler {
 public:
  DestinationReconciler(kube::Client client, const kube::Informer& destinations, StateStoreRegistry& registry,
                        kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // The Destinations that write to state store (for the state-store informers' events).
  std::vector<kube::Request> destinations_using(const kube::Json& state_store) const;
  std::vector<kube::Request> destinations_using(const std::string& kind, const std::string& name) const;

  // A Destination's layout from its spec (nothing when filepath.mode is not one Kratix knows).
  static std::optional<statestore::DestinationLayout> layout_of(const kube::Json& destination);

 private:
  kube::Status report(const kube::Json& destination, bool ready, const std::string& reason, const std::string& message);
  // A spec that cannot be used (a path that leaves the store, an unknown mode): said on Ready and in a
  // Warning, then left until the spec changes.
  kube::Result<kube::ReconcileResult> invalid(const kube::Json& destination, bool deleting, const std::string& why);
  kube::Status set_finalizer(const kube::Json& destination, bool present);

  kube::Client client_;
  const kube::Informer& destinations_;
  StateStoreRegistry& registry_;
  kube::EventRecorder& events_;
};

}  // namespace pave::platform
