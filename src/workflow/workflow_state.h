// The serial workflow state machine (kratix-spec.md 2.5), as a pure decision over the workflow's Jobs.
//
// Pipelines run one after another, each as a Job labelled with the workflow hash and its pipeline name.
// The newest Job decides where the workflow is:
//   - none for the current hash (a first run, or the spec changed): start pipeline 0, unless the newest
//     Job, of an older spec, still runs: wait for it;
//   - running: wait (its Job's events wake the reconciler);
//   - failed: the workflow failed at that pipeline (no later pipeline runs);
//   - succeeded: start the next pipeline, or, after the last one, the workflow is complete.
// A manual re-run (kratix.io/manual-reconciliation) suspends a running Job and starts pipeline 0 again;
// a run from the start asked for by Pave itself (a Promise change, an unpause) waits for a running Job
// first. A workflow held by a pipeline's workflow-control.yaml resumes by running the pipeline that
// suspended it once more (spec 3.6).
//
// Everything lives in the Jobs, so a controller restarted at any point decides the same thing again and
// never runs a pipeline twice for one hash.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kube/json.h"

namespace pave::workflow {

// A pipeline Job as the state machine sees it.
struct JobView {
  enum class Phase { kRunning, kSucceeded, kFailed };
  std::string name;
  std::string pipeline;  // kratix.io/pipeline-name
  std::string hash;      // kratix.io/hash
  std::string created;   // metadata.creationTimestamp
  Phase phase = Phase::kRunning;
  bool suspended = false;  // stopped by a re-run, which made a newer Job
};

// Reads a Job: Complete=True is succeeded; Failed=True, or suspended (a superseded run), is failed.
JobView job_view(const kube::Json& job);

struct Decision {
  enum class Kind { kStart, kWait, kCompleted, kFailed };
  Kind kind = Kind::kStart;
  size_t pipeline = 0;    // the pipeline to start, being waited for, or that failed
  size_t succeeded = 0;   // pipelines of the current hash that completed
  std::string job;        // the Job waited for, or that failed
  std::string suspend;    // a running Job to suspend before starting (manual re-run)
  bool restart = false;   // kStart of a re-run from the first pipeline: every pipeline's status starts afresh
  // kStart of the pipeline that suspended the workflow (it keeps its attempts), or kWait for a Job before
  // it: the status still says Suspended and must stay so until the resumed pipeline starts.
  bool resume = false;
};

enum class Rerun {
  kNone,
  kManual,     // kratix.io/manual-reconciliation: a running Job is suspended, pipeline 0 starts
  kFromStart,  // internal.workflows.kratix.io/run-from-start: pipeline 0 starts once no Job runs
};

struct DecideOptions {
  Rerun rerun = Rerun::kNone;
  // The pipeline a workflow-control.yaml suspended, once its hold is lifted: run it again (after any
  // running Job). A re-run wins over it.
  std::optional<size_t> resume_at;
};

// What to do next for a workflow of these pipelines (by name, in order) at this hash, given its Jobs (any
// order).
Decision decide(const std::vector<std::string>& pipelines, const std::string& hash, std::vector<JobView> jobs,
                const DecideOptions& options = {});

// The Jobs to delete after a workflow completes: all but the newest `keep` of each pipeline.
std::vector<std::string> jobs_to_prune(std::vector<JobView> jobs, size_t keep);

}  // namespace pave::workflow
