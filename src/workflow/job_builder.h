// Everything one pipeline run needs on the cluster (kratix-spec.md 3.1-3.4), built as plain objects:
// the Job, its ServiceAccount, Roles, ClusterRoles and bindings, and the scheduling ConfigMap.
//
//   PipelineRun run{.type = WorkflowType::kResource, .action = WorkflowAction::kConfigure,
//                   .promise = promise, .object = rr, .api = {"marketplace.kratix.io", "v1alpha1", "redis", "redis"},
//                   .index = 0, .count = pipelines.size(), .pipeline = pipelines[0],
//                   .hash = workflow_hash(WorkflowType::kResource, promise, rr),
//                   .pipeline_namespace = configured_pipeline_namespace(promise), .config = config};
//   auto objects = build_pipeline_objects(run);
//   // objects->job: Job "kratix-redis-example-instance-configure-1a2b3" in "default";
//   // objects->service_account, role and role binding "redis-resource-configure-instance-configure";
//   // objects->config_map: "destination-selectors-redis"
//
// The Pod runs, as init containers, `reader` (writes /kratix/input/object.yaml), the user's containers in
// order, and for configure workflows `work-writer` (turns /kratix/output into a Work); then `status-writer`
// (merges /kratix/metadata/status.yaml). Kratix's containers are Pave's adapter: `/usr/bin/pave adapter
// reader | work-creator ... | update-status`. Names, labels, env vars, mounts and RBAC are Kratix's, so
// pipeline images written for Kratix run unchanged and `kubectl -l kratix.io/...` finds the same things.
//
// Building is pure: nothing is read from or written to the cluster, and names other than the Job's
// (random suffix) are the same every time, so the caller can create-or-update them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"
#include "workflow/kratix_config.h"
#include "workflow/pipeline.h"

namespace pave::workflow {

// The API of the object a resource workflow runs for, from the Promise's CRD.
struct ObjectApi {
  std::string group;
  std::string version;  // the storage version
  std::string kind;
  std::string plural;
  bool cluster_scoped = false;
};

inline constexpr const char* kDefaultAdapterImage = "localhost/pave:dev";
inline constexpr const char* kAdapterBinary = "/usr/bin/pave";

struct PipelineRun {
  WorkflowType type = WorkflowType::kPromise;
  WorkflowAction action = WorkflowAction::kConfigure;
  kube::Json promise;
  kube::Json object;  // the Promise for promise workflows, the resource request for resource workflows
  ObjectApi api;      // resource workflows only: a Promise is always platform.kratix.io/v1alpha1 promises
  size_t index = 0;   // this pipeline's position in the workflow ...
  size_t count = 1;   // ... of this many: the last one's status-writer finishes the workflow
  Pipeline pipeline;
  std::string hash;                // workflow_hash(type, promise, object)
  std::string pipeline_namespace;  // the Promise's spec.workflows.config.pipelineNamespace; "" = the default
  std::string adapter_image = kDefaultAdapterImage;
  std::string adapter_pull_secret;  // Kratix's PIPELINE_ADAPTER_PULL_SECRET: pulls the adapter image
  bool dry_run = false;             // a dry run of a resource request (kratix.io/dry-run: "true")
  KratixConfig config;
};

struct PipelineObjects {
  std::string pipeline_id;  // "<promise>-<type>-<action>-<pipeline>"
  std::string ns;           // where the Job, ServiceAccount and ConfigMap live
  kube::Json job;
  kube::Json service_account;
  // The Pipeline named its ServiceAccount (rbac.serviceAccount): create it when missing, but never modify
  // one that exists without the kratix.io/promise-name label, which is the user's own.
  bool user_service_account = false;
  std::vector<kube::Json> roles;
  std::vector<kube::Json> role_bindings;
  std::vector<kube::Json> cluster_roles;
  std::vector<kube::Json> cluster_role_bindings;
  std::optional<kube::Json> config_map;  // configure workflows only
};

// The Promise's spec.workflows.config.pipelineNamespace, or "".
std::string configured_pipeline_namespace(const kube::Json& promise);

// The namespace a run's objects go to: pipelineNamespace when set, else kratix-platform-system for promise
// workflows and the resource request's namespace for resource workflows.
std::string pipeline_namespace(const PipelineRun& run);

// Errors (kInvalid) only for runs that cannot be built: a resource workflow without the request's name,
// namespace or API plural, an index outside count, a Pipeline without a name.
kube::Result<PipelineObjects> build_pipeline_objects(const PipelineRun& run);

}  // namespace pave::workflow
