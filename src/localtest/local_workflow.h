// A Promise's configure workflows run on this machine, for `pave test`: its promise.configure pipelines
// for the Promise, then, given a request, its resource.configure pipelines for the request, one after
// another as the controllers run them (kratix-spec.md 2.5), each status-writer's status the next
// pipeline's input.
//
//   auto run = run_workflows({.promise = promise, .request = request}, runner);
//   // run->promise / run->request: each pipeline's outcome and how the workflow ended
//   // run->works: the Works the platform would hold (static dependencies, then each pipeline's)
//
// Statuses move as the reconcilers move them: workflow::Decision applied with the same
// platform::apply_workflow_decision before each pipeline and after the last. Works and conditions that
// depend on where Works land are finished by placement_preview.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"
#include "localtest/local_pipeline.h"
#include "workflow/kratix_config.h"

namespace pave::localtest {

struct WorkflowResult {
  enum class End { kCompleted, kFailed, kSuspended };
  std::string type;                         // promise | resource
  kube::Json object;                        // the Promise or request, status as the workflow left it
  std::vector<PipelineOutcome> pipelines;   // those that ran, in order
  End end = End::kCompleted;
  std::vector<kube::Json> works;            // the Works its pipelines made (none from a suspending one)
};

struct LocalTestInput {
  kube::Json promise;
  std::optional<kube::Json> request;
  workflow::KratixConfig config;
  std::string adapter_image;                // "" = the controller's default
};

struct LocalTestRun {
  WorkflowResult promise;
  std::optional<WorkflowResult> request;    // run only when the promise workflow completed
  std::vector<kube::Json> works;            // every Work, static dependencies first
};

// An error when the input cannot be run at all: no Promise, an API that is not a CRD, a request of
// another kind, a pipeline that cannot be set up locally.
kube::Result<LocalTestRun> run_workflows(const LocalTestInput& input, const LocalRunner& runner);

// "Completed", "Failed", "Suspended".
std::string to_string(WorkflowResult::End end);

}  // namespace pave::localtest
