// Where the Works of a local run would go, for `pave test`: each workload group's Destinations by the
// scheduler's rules (kratix-spec.md 4.1, 4.2), the files each Destination's state store would get in its
// layout (4.3), the Works' conditions, and with them the last conditions of the Promise's and request's
// statuses. Everything is computed with the platform's own pure functions: platform::candidates,
// platform::placement_of, statestore::placement_change, platform::works_condition.
//
//   auto preview = preview_placements(run.works, destinations, stores);
//   finish_statuses(run, preview);  // WorksSucceeded and Reconciled as the reconcilers would set them
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"
#include "localtest/local_workflow.h"

namespace pave::localtest {

struct GroupPlacement {
  std::string work;                        // the Work's name
  std::string group_id;
  std::string directory;                   // the group's directory in the pipeline's output
  std::map<std::string, std::string> selector;  // merged destinationSelectors
  std::vector<std::string> candidates;     // every matching Destination, sorted
  // Where WorkPlacements would be made: every candidate for dependencies; for a request's Work the
  // scheduler picks one candidate (at random on a cluster; here the first, and `one_of` says so).
  std::vector<std::string> destinations;
  bool one_of = false;
};

struct StoreFile {
  std::string destination;
  std::string store;       // "<Kind>/<name>" of the Destination's state store
  std::string path;        // in the store, its spec.path included
  std::string content;
};

struct PlacementPreview {
  std::vector<GroupPlacement> groups;
  std::vector<StoreFile> files;                   // sorted by destination, then path
  std::map<std::string, kube::Json> work_status;  // by Work name: workPlacements and the Ready and
                                                  // ScheduleSucceeded conditions the Work would have
  std::vector<std::string> errors;                // a workload that cannot be decoded, a path refused
};

// destinations: Destination objects; stores: GitStateStore and BucketStateStore objects (a Destination
// whose store is not among them gets paths relative to its store's root).
PlacementPreview preview_placements(const std::vector<kube::Json>& works, const std::vector<kube::Json>& destinations,
                                    const std::vector<kube::Json>& stores);

// Sets WorksSucceeded and Reconciled on the completed workflows' objects from the Works' predicted
// conditions, as the Promise and resource-request reconcilers do once a workflow completes.
void finish_statuses(LocalTestRun& run, const PlacementPreview& preview);

}  // namespace pave::localtest
