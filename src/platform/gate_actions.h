// Carrying out a gate (workflow_gates.h) on the cluster, for the Promise, resource-request and delete
// workflows alike: the gate's status is written first (over the cached resourceVersion, which the label
// patch would move on), then its labels, then its Warning, told once when the condition the gate speaks
// through (Reconciled, or DeleteWorkflowCompleted in a deletion) changes reason.
#pragma once

#include <functional>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/reconciler.h"
#include "platform/workflow_gates.h"
#include "workflow/workflow_runner.h"

namespace pave::platform {

struct GateTarget {
  const kube::Client& client;
  kube::EventRecorder& events;
  kube::Resource resource;  // the object's
  std::function<kube::Status(const kube::Json& status)> write_status;  // the object's whole new status
  std::function<void(kube::Json& status)> amend = nullptr;             // more to change with it (optional)
};

struct GateOutcome {
  kube::ReconcileResult result;  // when to look again: at a retry's time, else when a label or spec changes
  bool changed = false;          // the gate's condition changed reason
};

kube::Result<GateOutcome> carry_out(const GateTarget& target, const kube::Json& object, const Gate& g, const GateInput& in);

// The re-run an object's labels ask for: kratix.io/manual-reconciliation, else run-from-start.
workflow::Rerun rerun_asked(const kube::Json& object);

// One step of the configure workflow of target.object (of resource r) that gate g let through: planned
// with the re-run its labels ask for and the pipeline g resumes, checked against the API server's object
// when it would move the workflow on (moves_workflow_on; not before the workflow has a Job, when no
// status-writer can be ahead of the cache), taken, and the re-run labels cleared once the new run began.
struct ConfigureStep {
  workflow::WorkflowStep step;
  std::string resource_version;  // the object's after any label patch: its status is written over it
  bool behind = false;           // the cache is behind the API server: nothing was done, look again soon
};
kube::Result<ConfigureStep> advance_configure(const kube::Client& client, const workflow::WorkflowRunner& runner,
                                              const kube::Resource& r, workflow::WorkflowTarget target, const Gate& g);

// A requeue a little after a wait, so the wait is over when the reconcile runs (times are in seconds).
kube::ReconcileResult requeue_after_wait(std::chrono::milliseconds wait);

}  // namespace pave::platform
