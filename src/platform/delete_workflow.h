// The delete workflow of a Promise or resource request being deleted (kratix-spec.md 2.7, 2.8, 3.6): its
// pipeline runs as a Job before the object's finalizers let it go. The pipeline may hold the deletion with
// workflow-control.yaml (suspend, or retryAfter): the object then keeps its Works and says
// DeleteWorkflowCompleted=False DeleteWorkflowSuspended until the hold ends, when the pipeline runs again.
// A failed pipeline says DeleteWorkflowFailed and holds the deletion until a manual re-run
// (kratix.io/manual-reconciliation) or a change of the delete pipeline.
#pragma once

#include <functional>
#include <optional>

#include "kube/event_recorder.h"
#include "kube/reconciler.h"
#include "platform/workflow_gates.h"
#include "workflow/workflow_runner.h"

namespace pave::platform {

struct DeleteWorkflowContext {
  const kube::Client& client;
  const workflow::WorkflowRunner& runner;
  kube::EventRecorder& events;
  kube::Resource resource;  // the object's
  // Writes status (the object's whole new status) over the given resourceVersion ("" = the object's).
  std::function<kube::Status(const kube::Json& status, const std::string& resource_version)> write_status;
};

// One step of the delete workflow of target.object (target.pipelines: its delete pipelines; only the first
// runs, as in Kratix). Nothing when the workflow is done and the finalizer may go; otherwise how to wait.
kube::Result<std::optional<kube::ReconcileResult>> run_delete_workflow(const DeleteWorkflowContext& ctx,
                                                                       workflow::WorkflowTarget target, GateInput in);

}  // namespace pave::platform
