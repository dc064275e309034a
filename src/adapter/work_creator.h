// The work-writer step (kratix-spec.md 3.5, 1.8): a pipeline's output becomes one Work.
//
//   auto work = adapter::build_work(options, kube::time_now());   // pure: reads the files, no API calls
//   if (work && *work) adapter::apply_work(client, **work);        // create, or update the Work it replaces
//
// The input directory holds what the work-writer container mounts: input/ (the pipeline's
// /kratix/output), metadata/ (destination-selectors.yaml, workflow-control.yaml) and kratix-system/
// (promise-scheduling, the Promise's own selectors).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kube/client.h"
#include "kube/error.h"
#include "kube/json.h"

namespace pave::adapter {

// The work-creator's flags, named as Kratix names them (--input-directory, --promise-name, ...).
struct WorkCreatorOptions {
  std::string input_directory;     // --input-directory (required)
  std::string promise_name;        // --promise-name (required)
  std::string pipeline_name;       // --pipeline-name (required)
  std::string namespace_;          // --namespace: where the Work goes; empty means kratix-platform-system
  std::string workflow_type = "resource";  // --workflow-type: promise | resource (Kratix's default)
  std::string resource_name;       // --resource-name (resource workflows)
  std::string resource_namespace;  // --resource-namespace: the request's, when pipelines run elsewhere
  std::string trace_parent;        // KRATIX_TRACE_PARENT, copied to the Work's annotations when set
  std::string trace_state;         // KRATIX_TRACE_STATE
};

// Checks the flags: "must provide --input-directory", "--workflow-type must be promise or resource", ...
kube::Status validate(const WorkCreatorOptions& options);

// The namespace the Work goes to: --namespace, or kratix-platform-system when empty.
std::string work_namespace(const WorkCreatorOptions& options);

// The resource namespace, when it counts: set, and not the Work's own namespace.
std::string distinct_resource_namespace(const WorkCreatorOptions& options);

// "<promise>-<pipeline>" for promise workflows, "<promise>-<resource>[-<resource namespace>]-<pipeline>"
// for resource workflows; the Work's name is generated_name() of it.
std::string work_identifier(const WorkCreatorOptions& options);

// The labels that identify this pipeline's Work: kratix.io/promise-name, kratix.io/work-type,
// kratix.io/pipeline-name, kratix.io/resource-name, kratix.io/resource-namespace (when distinct).
std::map<std::string, std::string> work_labels(const WorkCreatorOptions& options);

// The Work the output describes, with lastExecutionTimestamp now; nothing when workflow-control.yaml
// suspends or retries (the previous Work stays as it was).
kube::Result<std::optional<kube::Json>> build_work(const WorkCreatorOptions& options, const std::string& now);

struct AppliedWork {
  kube::Json work;  // as stored
  bool created = false;
};

// Creates the Work, or replaces the spec of the one Work in its namespace that carries all its labels
// (keeping that Work's name and everything else). More than one such Work is an error.
kube::Result<AppliedWork> apply_work(const kube::Client& client, const kube::Json& work);

}  // namespace pave::adapter
