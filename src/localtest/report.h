// What `pave test` prints: each workflow's pipelines (containers, exit codes, durations, output files; a
// failing container's log), the Works and their workload groups, where each group would land, the files
// each Destination's state store would get, and the statuses the Promise and request would end with.
#pragma once

#include <string>

#include "kube/json.h"
#include "localtest/local_workflow.h"
#include "localtest/placement_preview.h"

namespace pave::localtest {

// For people: a tree, file paths without their content.
std::string render_text(const LocalTestRun& run, const PlacementPreview& preview);

// For programs and tests: everything, file contents and the Works included.
kube::Json render_json(const LocalTestRun& run, const PlacementPreview& preview);

// Whether every workflow completed and every placement could be written (a Work no Destination matches
// is not a failure: it waits, on a cluster, for a Destination).
bool all_completed(const LocalTestRun& run, const PlacementPreview& preview);

}  // namespace pave::localtest
