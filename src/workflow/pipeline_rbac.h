// The ServiceAccount, RBAC objects and scheduling ConfigMap of one pipeline run (kratix-spec.md 3.4),
// added to a PipelineObjects whose pipeline_id and ns are set. Internal to the Job builder.
#pragma once

#include "workflow/job_builder.h"

namespace pave::workflow::detail {

// The ServiceAccount the Job runs as: rbac.serviceAccount or "<pipeline ID>".
void add_service_account(const PipelineRun& run, PipelineObjects& out);

// Kratix's own Roles/ClusterRoles (reading and writing the object and Works) and the user's permissions,
// each with its binding to the ServiceAccount.
void add_rbac(const PipelineRun& run, PipelineObjects& out);

// ConfigMap destination-selectors-<promise> (configure workflows): the Promise's destinationSelectors as
// the YAML list the work-writer reads from /work-creator-files/kratix-system/promise-scheduling.
void add_scheduling_config_map(const PipelineRun& run, PipelineObjects& out);

// "destination-selectors-<promise>".
std::string scheduling_config_map_name(const PipelineRun& run);

}  // namespace pave::workflow::detail
