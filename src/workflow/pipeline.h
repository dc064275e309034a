// The Pipeline embedded in Promise workflows (kratix-spec.md 2.3, 2.4): a value type, decoded strictly.
//
//   auto pipelines = parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kConfigure);
//   // spec.workflows.resource.configure, in order; for delete workflows only the first is run
//
// Pipeline is not a CRD, so nothing but this decoder stands between a typo and a silently ignored setting:
// an unknown field anywhere outside the Kubernetes types it carries is an error naming it the way
// Kubernetes' strict decoder does (`unknown field "spec.rbac.permissions[0].namespace"`). Containers,
// volumes, image pull secrets and tolerations are Kubernetes types and stay JSON for the API server to judge;
// a container only has to be an object with a name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::workflow {

enum class WorkflowType { kPromise, kResource };
enum class WorkflowAction { kConfigure, kDelete };

// "promise" / "resource", "configure" / "delete": the label values, env values and ID parts.
std::string_view to_string(WorkflowType type);
std::string_view to_string(WorkflowAction action);

// One rbac.permissions entry: an RBAC PolicyRule and the namespace it applies in.
struct Permission {
  std::string resource_namespace;  // "" = the pipeline's namespace, a namespace name, or "*" = every namespace
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
  std::vector<std::string> verbs;
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;

  // The rbac.authorization.k8s.io/v1 PolicyRule (without resourceNamespace).
  kube::Json policy_rule() const;
};

struct PipelineRbac {
  // The ServiceAccount the pipeline runs as instead of the generated "<pipeline ID>" one.
  std::string service_account;
  std::vector<Permission> permissions;
};

struct Pipeline {
  std::string name;
  std::map<std::string, std::string> labels;       // go on the Job and its Pod template
  std::map<std::string, std::string> annotations;  // go on the Pod template
  std::vector<kube::Json> containers;              // Kubernetes Containers, run in order
  std::vector<kube::Json> volumes;
  std::vector<kube::Json> image_pull_secrets;      // LocalObjectReferences
  std::map<std::string, std::string> node_selector;
  std::vector<kube::Json> tolerations;
  std::string restart_policy;                      // "" = OnFailure
  std::optional<int32_t> backoff_limit;            // spec.jobOptions.backoffLimit
  PipelineRbac rbac;
};

// Decodes one workflow entry; kind Pipeline and apiVersion platform.kratix.io/v1alpha1 are required.
kube::Result<Pipeline> parse_pipeline(const kube::Json& pipeline);

// The Pipelines of spec.workflows.<type>.<action> of a Promise (or of a PromiseRevision's promiseSpec
// wrapped as {"metadata": {"name": <promise>}, "spec": ...}), in order; only the first for a delete action. Every entry is checked: names
// unique within the list, and the pipeline ID "<promise>-<type>-<action>-<name>" at most 60 characters
// (it names the ServiceAccount and RBAC objects).
kube::Result<std::vector<Pipeline>> parse_workflow(const kube::Json& promise, WorkflowType type, WorkflowAction action);

// The pipelines' names, in order.
std::vector<std::string> pipeline_names(const std::vector<Pipeline>& pipelines);

inline constexpr size_t kMaxPipelineIdLength = 60;

}  // namespace pave::workflow
