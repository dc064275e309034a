// What stands before a configure workflow's Jobs are looked at (kratix-spec.md 2.6, 3.6): a pause, a
// periodic re-run that has come due, an unpause, and a hold a pipeline asked for in workflow-control.yaml.
//
// Pure: gate() reads the Promise or resource request (as cached) and says what to do; the reconcilers
// carry it out with the label patch, status changes and Event described here. Labels are how each step
// reaches the next reconcile, as in Kratix, so a restarted controller picks up where it was:
//
//   periodic re-run due   -> kratix.io/manual-reconciliation=true (a Job in flight is suspended)
//   unpaused              -> internal.workflows.kratix.io/run-from-start=true, workflow-suspended removed
//   suspended, then a manual re-run or a spec change
//                         -> run-from-start=true, workflow-suspended removed, pipelines reset to Pending
//   suspended with retryAfter, its time passed
//                         -> workflow-suspended removed: the suspended pipeline runs again
//   workflow-suspended removed by hand
//                         -> kProceed with resume_at: the suspended pipeline runs again
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "kube/json.h"
#include "workflow/workflow_state.h"

namespace pave::platform {

struct GateInput {
  enum class Paused { kNo, kItself, kByPromise };
  enum class Object { kPromise, kResourceRequest };
  // A delete workflow knows only holds: its pipeline is recorded under status.kratix.workflows.delete, a
  // hold says DeleteWorkflowCompleted=False DeleteWorkflowSuspended, and a manual re-run keeps its label.
  enum class Action { kConfigure, kDelete };
  Object object = Object::kResourceRequest;
  Action action = Action::kConfigure;
  Paused paused = Paused::kNo;
  std::chrono::milliseconds interval{};  // the periodic re-run interval (reconciliation_interval())
  bool reconcile_after_failure = true;   // Kratix config workflows.reconcileAfterFailure
  std::chrono::system_clock::time_point now;
};

struct Gate {
  enum class Kind {
    kProceed,    // run the workflow (resuming resume_at when set)
    kPaused,     // hold while kratix.io/paused is on
    kRerunDue,   // the periodic re-run is due
    kUnpaused,   // the pause just ended: start again from the first pipeline
    kRestart,    // a hold ended by a manual re-run or a spec change: start again from the first pipeline
    kRetryNow,   // a retryAfter hold whose time has come
    kSuspended,  // held by workflow-control.yaml
  };
  Kind kind = Kind::kProceed;
  std::optional<size_t> resume_at;               // kProceed: the suspended pipeline, its hold lifted
  std::optional<std::chrono::milliseconds> wait;  // kSuspended: until nextRetryAt; kProceed: see until_rerun()
};

Gate gate(const kube::Json& object, const GateInput& in);

// The merge patch of metadata.labels a gate needs (null when it needs none). An unpaused Promise also asks
// for its requests to run again (kratix.io/reconcile-resources).
kube::Json gate_labels(const Gate& g, const GateInput& in);

// The status a gate leaves (kPaused, kUnpaused, kRestart, kSuspended); others leave it as it is.
void apply_gate_status(kube::Json& status, const Gate& g, const GateInput& in, int64_t generation);

// The Warning a gate is told with, reason and message (empty reason: none). For kPaused and kSuspended.
struct GateEvent {
  std::string reason;
  std::string message;
};
GateEvent gate_event(const Gate& g, const GateInput& in);

// How long until the periodic re-run of a configure workflow is due, from its ConfigureWorkflowCompleted
// condition: none while it runs, or after a failure unless reconcile_after_failure.
std::optional<std::chrono::milliseconds> until_rerun(const kube::Json& object, const GateInput& in);

// The periodic re-run interval (spec 2.6): the revision's kratix.io/reconciliation-interval annotation,
// else its promiseSpec's workflows.config.reconciliationInterval (the Promise's own spec when there is no
// revision yet), else the Kratix config's. Values under a minute are ignored.
inline constexpr const char* kAnnotationReconciliationInterval = "kratix.io/reconciliation-interval";
std::chrono::milliseconds reconciliation_interval(const kube::Json& promise, std::chrono::milliseconds configured,
                                                  const kube::Json* revision = nullptr);

// Whether a decision moves the workflow on (starts a pipeline, or completes a workflow the object does not
// yet say is complete), and so must be taken on the object as the API server has it, not a cache that may
// have missed a status-writer's suspension (WorkflowRunner::is_current).
bool moves_workflow_on(const workflow::Decision& d, const kube::Json& object);

// The index of the first pipeline in status.kratix.workflows.pipelines whose phase is Suspended.
std::optional<size_t> suspended_pipeline(const kube::Json& object);

}  // namespace pave::platform
