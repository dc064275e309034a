// WorkReconciler, the scheduler (kratix-spec.md 4.1): turns each workload group of a Work into
// WorkPlacements on Destinations. A resource Work gets exactly one WorkPlacement per group, on a
// Destination picked at random among those that match, and never moved afterwards (a Destination that
// stops matching leaves it misplaced); a dependency Work gets one on every matching Destination. A group
// with nowhere to go waits (resource Works are looked at again every minute, and every Destination change
// wakes every Work). The Work's status says where each group went, and so does its resource request's
// (RequestPlacementReporter).
#pragma once

#include <map>
#include <mutex>

#include "api/conditions.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/request_placement_reporter.h"
#include "platform/scheduler.h"

namespace pave::platform {

class WorkReconciler : public kube::Reconciler {
 public:
  // placements must have the index kWorkIndex (work_index()), works RequestPlacementReporter's.
  WorkReconciler(kube::Client client, const kube::Informer& works, const kube::Informer& placements,
                 const kube::Informer& destinations, const kube::Informer& promises, kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Every Work (for Destination events: any change may schedule, misplace or unblock any Work).
  std::vector<kube::Request> all_works() const;

  static constexpr const char* kWorkIndex = "work";
  static kube::IndexFunc work_index();

 private:
  struct Placed {
    std::string group_id;
    std::string destination;
    bool misplaced = false;
  };
  struct Outcome {
    std::vector<std::string> unscheduled;  // group ids with no Destination
    std::vector<std::string> misplaced;    // group ids on a Destination that no longer matches
    std::vector<std::string> failing;      // WorkPlacements whose write failed
    std::vector<std::string> refused;      // "<group id>: <why>" for WorkPlacements the API server refused
    std::vector<Placed> placements;
  };

  std::vector<kube::ObjectPtr> placements_of(const kube::Json& work) const;
  kube::Status schedule_group(const kube::Json& work, const kube::Json& group, const std::vector<DestinationView>& destinations,
                              bool resource_work, const std::vector<kube::ObjectPtr>& existing, Outcome& outcome);
  // current: the group's WorkPlacement on that Destination as cached, or null.
  kube::Status apply_placement(const kube::Json& work, const kube::Json& group, const std::string& destination, bool misplaced,
                               const kube::ObjectPtr& current);
  kube::Json placement_finalizers(const std::string& destination) const;
  // A resource group's one Destination: where its WorkPlacement is (cached, or just created by an earlier
  // reconcile the cache has not caught up with, or on the API server when a create's outcome is unknown),
  // else one picked at random among the matching. Empty when there is none.
  kube::Result<std::string> resource_target(const kube::Json& work, const std::string& group_id,
                                            const std::vector<std::string>& matching, bool cached);
  void remember(const kube::Json& work, const std::string& group_id, const std::string& destination);
  kube::Status report(const kube::Json& work, size_t groups, const Outcome& outcome, const kube::Json& placements);
  static kube::Json placements_json(const Outcome& outcome);
  // Tells the Work's resource request where it landed; false (with a Warning event) when that failed.
  bool tell_request(const kube::Json& work, const kube::Json& placements, bool going);
  kube::Result<kube::ReconcileResult> finish_deletion(const kube::Json& work);

  kube::Client client_;
  const kube::Informer& works_;
  const kube::Informer& placements_;
  const kube::Informer& destinations_;
  RequestPlacementReporter requests_;
  kube::EventRecorder& events_;
  // The status last written for each Work, and the resourceVersion it was written over: a reconcile that
  // still sees that version (the cache has not caught up with the write) need not write it again.
  struct Written {
    std::string over_version;
    size_t status_hash = 0;
  };
  std::mutex written_mu_;
  std::map<std::string, Written> written_;
  // Where each resource group was placed ("<work uid>/<group id>" -> Destination), from the create until
  // the cache shows its WorkPlacement: a reconcile in between must not pick a Destination again, or the
  // group lands twice. "" records a create that failed in flight (it may have happened): ask the server.
  std::mutex chosen_mu_;
  std::map<std::string, std::string> chosen_;
};

// <work>.<destination>-<first five characters of the group id>, as Kratix names WorkPlacements.
std::string work_placement_name(const std::string& work, const std::string& destination, const std::string& group_id);

// The WorkPlacement of one workload group of work on destination, as the scheduler makes it (its name,
// labels and spec; the reconciler adds finalizers and the owner reference). Pure, for `pave test` too.
kube::Json desired_work_placement(const kube::Json& work, const kube::Json& group, const std::string& destination,
                                  bool misplaced);

// What went wrong in one scheduling pass of a Work.
struct ScheduleProblems {
  std::vector<std::string> refused;      // "<group id>: <why>"
  std::vector<std::string> unscheduled;  // group ids
  std::vector<std::string> misplaced;    // group ids
  std::vector<std::string> failing;      // WorkPlacements
};

// The Work's ScheduleSucceeded and Ready conditions for that pass, in Kratix's words.
std::pair<api::Condition, api::Condition> work_conditions(const ScheduleProblems& problems, int64_t generation);

}  // namespace pave::platform
