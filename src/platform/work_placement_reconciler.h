// WorkPlacementReconciler (kratix-spec.md 4.4): writes a WorkPlacement's workloads into its Destination's
// state store in the Destination's layout, and removes them when the WorkPlacement is deleted. The
// write goes through the store's batching writer, so many WorkPlacements reconciled at once share one
// commit; WriteSucceeded and Ready turn True only once the remote has the files.
//
// A reconcile does not wait for the remote: it submits the change and returns, freeing its worker, and
// the writer's answer brings the WorkPlacement back (through wake) to report it. So a batch holds as
// many WorkPlacements as are pending, not as many as there are workers.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <memory>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/state_store_registry.h"
#include "statestore/layout.h"

namespace pave::platform {

// The WorkPlacement as the layouts see it: names, labels and its workloads decoded.
kube::Result<statestore::Placement> placement_of(const kube::Json& wp);

class WorkPlacementReconciler : public kube::Reconciler {
 public:
  // placements must have the index "destination" (by kratix.io/targetDestinationName).
  WorkPlacementReconciler(kube::Client client, const kube::Informer& placements, const kube::Informer& destinations,
                          StateStoreRegistry& registry, kube::EventRecorder& events);
  ~WorkPlacementReconciler() override;

  // How a finished write brings its WorkPlacement back: the controller's enqueuer. Set before starting.
  void set_wake(std::function<void(const kube::Request&)> wake);

  // Kratix's stateStoreReconciliationInterval: a written WorkPlacement is written again this often, which
  // restores files changed behind Pave's back; 0 turns it off. 10 h unless set before starting.
  void set_rewrite_interval(std::chrono::milliseconds interval) { rewrite_after_ = interval; }

  // For tests: called after a reconcile has built its change and before it submits it (the window in
  // which another reconcile could overtake it).
  void set_before_submit(std::function<void(const kube::Request&)> hook) { before_submit_ = std::move(hook); }

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  static constexpr const char* kDestinationIndex = "destination";
  static kube::IndexFunc destination_index();

  // The WorkPlacements on a Destination (for the Destination informer's events).
  std::vector<kube::Request> placements_on(const kube::Json& destination) const;

  // Files under paths of store kind/name were changed behind Pave's back (StateStoreRegistry::on_drift):
  // the WorkPlacements that own them are written again, which puts back what they own there: on a
  // nestedByMetadata Destination those whose directory holds one, on the other layouts (whose files
  // placements share) every one on a Destination whose directory holds one. Returns how many were woken.
  size_t rewrite_drifted(const std::string& kind, const std::string& name, const std::vector<std::string>& paths);

 private:
  kube::Result<statestore::Change> change_for(const kube::Json& wp, const statestore::DestinationLayout& layout,
                                              statestore::Writer& writer, bool removing);
  kube::Result<kube::ReconcileResult> submit(const kube::Request& request, const kube::Json& wp, const std::string& what,
                                             const statestore::DestinationLayout& layout, statestore::Writer& writer, bool deleting);
  // A `none` Destination's change: which of the files this placement names it owns, its state file, and a
  // wake for the placements naming the same files when that changes.
  kube::Result<statestore::Change> none_layout_change(const kube::Json& wp, const statestore::Placement& placement,
                                                      const statestore::DestinationLayout& layout, statestore::Writer& writer,
                                                      bool removing);
  kube::Result<kube::ReconcileResult> finish(const kube::Json& wp, bool deleting, const kube::Result<statestore::WriteResult>& written);
  kube::Status set_finalizers(const kube::Json& wp, const std::vector<std::string>& finalizers);
  kube::Status report(const kube::Json& wp, const kube::Result<statestore::WriteResult>& written);
  // Ready=False ScheduledToDestination "Pending" while the Destination's store cannot be written yet.
  kube::Status report_pending(const kube::Json& wp);

  kube::Client client_;
  const kube::Informer& placements_;
  const kube::Informer& destinations_;
  StateStoreRegistry& registry_;
  kube::EventRecorder& events_;
  class Writes;                    // the writes submitted and not yet reported
  std::shared_ptr<Writes> writes_; // shared (weakly) with the writers' callbacks
  std::chrono::milliseconds rewrite_after_ = std::chrono::hours(10);
  std::function<void(const kube::Request&)> before_submit_;
  // An aggregatedYAML file is rebuilt from every placement on its Destination by whichever reconcile
  // runs: building and submitting under one of these (by Destination) makes the order of submissions
  // the order the cache was read in, so the last write is built from the newest placements.
  std::array<std::mutex, 16> aggregate_mu_;
};

}  // namespace pave::platform
