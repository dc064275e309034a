// What a configure workflow's progress means for the status of its Promise or resource request
// (kratix-spec.md 2.5, 2.8): the counters, status.kratix.workflows.pipelines, the message, and the
// ConfigureWorkflowCompleted, WorksSucceeded and Reconciled conditions. Pure functions over the status,
// shared by the Promise and resource-request reconcilers.
#pragma once

#include <string>
#include <vector>

#include "kube/json.h"
#include "kube/store.h"
#include "api/conditions.h"
#include "workflow/workflow_state.h"

namespace pave::platform {

// Brings status up to date with the workflow's latest decision. pipelines: the workflow's pipeline names,
// in order; generation: the object's, recorded on conditions (and as observedGeneration once complete).
void apply_workflow_decision(kube::Json& status, const std::vector<std::string>& pipelines,
                             const workflow::Decision& decision, int64_t generation);

// WorksSucceeded from the Ready messages of the object's Works: any Failing makes it False (WorksFailing),
// else any Pending or unreported Unknown (WorksPending), else any Misplaced False (WorksMisplaced), else
// True with success_message. Messages name the Works.
api::Condition works_condition(const std::vector<kube::ObjectPtr>& works, const std::string& success_message,
                               int64_t generation);

// Reconciled once the workflow completed: True when its Works are ready, Unknown "Pending" while they
// are pending, False "Failing" when they fail. Also records observedGeneration and the last successful
// configure time (from ConfigureWorkflowCompleted's transition) at status and status.kratix.workflows.
void mark_reconciled(kube::Json& status, const api::Condition& works, int64_t generation);

}  // namespace pave::platform
