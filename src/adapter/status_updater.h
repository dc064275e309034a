// The status-writer step (kratix-spec.md 3.6, 2.5): what a pipeline's metadata/status.yaml and
// workflow-control.yaml do to the status of the Promise or resource request it ran for.
//
// Everything here is a pure function on JSON; commands.h does the reading and the API calls:
//
//   auto plan = adapter::plan_status_update({.object = object, .incoming = status_yaml, .control = control,
//                                            .workflow_type = "resource", .pipeline_name = "instance-configure",
//                                            .is_last_pipeline = true, .now = std::chrono::system_clock::now()});
//   // label the object kratix.io/workflow-suspended=true when plan->suspend_label, then UpdateStatus.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/workflow_control.h"
#include "kube/error.h"
#include "kube/json.h"

namespace pave::adapter {

// Refuses a status.yaml that sets the `kratix` key, with Kratix's message: 'kratix' is a kratix managed
// status field that cannot be updated via workflows; remove update to 'kratix' from the
// '/kratix/metadata/status.yaml' file
kube::Status check_incoming_status(const kube::Json& incoming);

// current with incoming's top-level keys written over it (nested maps are replaced, not merged), except
// `conditions`, merged by type: an incoming condition replaces the current one of its type in place, new
// types are appended, entries without a string type are dropped (both lists must be lists).
kube::Json merge_status(const kube::Json& current, const kube::Json& incoming);

// The top-level keys of status.yaml other than `message`: a Promise's status keeps only its message.
std::vector<std::string> non_message_keys(const kube::Json& incoming);

// For the last pipeline: ConfigureWorkflowCompleted=True PipelinesExecutedSuccessfully "Pipelines
// completed" (replacing any condition of that type, lastTransitionTime now), message "Pending" becomes
// "Resource requested" or "Promise configured", and kratix.workflows.suspendedGeneration goes.
kube::Json mark_completed(kube::Json status, std::string_view workflow_type, const std::string& now);

// This pipeline's entry in status.kratix.workflows.pipelines becomes phase Suspended with message (removed
// when empty); with next_retry_at also nextRetryAt and attempts + 1, else both removed; and
// status.kratix.workflows.suspendedGeneration is generation. Errors when the list or the pipeline is
// missing: pipeline "<name>" not found in status.kratix.workflows.pipelines
// A delete pipeline (action "delete") is recorded under status.kratix.workflows.delete instead, its entry
// made when missing.
kube::Result<kube::Json> mark_pipeline_suspended(kube::Json status, const std::string& pipeline,
                                                 const std::string& message, const std::string& next_retry_at,
                                                 int64_t generation, std::string_view action = "configure");

// This pipeline's entry back to phase Running, its message, attempts and nextRetryAt removed. A status
// without status.kratix.workflows.pipelines is returned unchanged; a list without the pipeline is an error.
kube::Result<kube::Json> clear_pipeline_suspension(kube::Json status, const std::string& pipeline,
                                                   std::string_view action = "configure");

struct StatusUpdateInput {
  kube::Json object;                       // the Promise or resource request, as just read
  kube::Json incoming;                     // status.yaml (null or {} when absent)
  std::optional<WorkflowControl> control;  // workflow-control.yaml, when present
  std::string workflow_type;               // promise | resource
  std::string workflow_action = "configure";  // configure | delete (a delete pipeline never completes a configure)
  std::string pipeline_name;
  bool is_last_pipeline = false;
  std::chrono::system_clock::time_point now;
};

struct StatusUpdate {
  kube::Json status;                   // the object's whole new status
  bool suspend_label = false;          // the object must carry kratix.io/workflow-suspended: "true"
  std::vector<std::string> warnings;   // for the log: status.yaml keys a Promise's status cannot hold
};

// Everything the status-writer decides, in Kratix's order: merge, completion (last configure pipeline,
// unless suspended or retrying), then suspension bookkeeping (promise and resource workflows only). A Promise's
// status takes only `message` from status.yaml: other keys are left out with a warning (Kratix merges
// them and lets the CRD schema prune them; Pave's Promise schema may keep what Kratix's drops).
kube::Result<StatusUpdate> plan_status_update(const StatusUpdateInput& input);

}  // namespace pave::adapter
