// DestinationReconciler (kratix-spec.md 4.5): keeps a Destination's finalizer in step with its cleanup
// policy, writes (or removes) the canary files that prove the cluster reads its state store, and reports
// Ready with Kratix's reasons. On deletion with cleanup: all it deletes the Destination's WorkPlacements,
// waits until they have taken their files out of the store, and removes the canary files before letting
// go; with cleanup: none (the default) the files stay and the WorkPlacements are left to their Works.
#pragma once

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/state_store_registry.h"
#include "statestore/layout.h"

namespace pave::platform {

class DestinationReconciler : public kube::Reconciler {
 public:
  // placements must have WorkPlacementReconciler's destination index.
  DestinationReconciler(kube::Client client, const kube::Informer& destinations, const kube::Informer& placements,
                        StateStoreRegistry& registry, kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // The Destinations that write to state store (for the state-store informers' events).
  std::vector<kube::Request> destinations_using(const kube::Json& state_store) const;
  std::vector<kube::Request> destinations_using(const std::string& kind, const std::string& name) const;

  // The Destination a WorkPlacement is on, when that Destination is being deleted (for the WorkPlacement
  // informer's events: a cleanup waits for them to go).
  std::vector<kube::Request> deleting_destination_of(const kube::Json& work_placement) const;

  // A Destination's layout from its spec (nothing when filepath.mode is not one Kratix knows).
  static std::optional<statestore::DestinationLayout> layout_of(const kube::Json& destination);

 private:
  kube::Status report(const kube::Json& destination, bool ready, const std::string& reason, const std::string& message);
  // A spec that cannot be used (a path that leaves the store, an unknown mode): said on Ready and in a
  // Warning, then left until the spec changes.
  kube::Result<kube::ReconcileResult> invalid(const kube::Json& destination, bool deleting, const std::string& why);
  kube::Status set_finalizer(const kube::Json& destination, bool present);
  // cleanup: all: deletes the WorkPlacements on destination; true once none is left.
  kube::Result<bool> placements_gone(const kube::Json& destination);

  kube::Client client_;
  const kube::Informer& destinations_;
  const kube::Informer& placements_;
  StateStoreRegistry& registry_;
  kube::EventRecorder& events_;
};

}  // namespace pave::platform
