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

// A requeue a little after a wait, so the wait is over when the reconcile runs (times are in seconds).
kube::ReconcileResult requeue_after_wait(std::chrono::milliseconds wait);

}  // namespace pave::platform
