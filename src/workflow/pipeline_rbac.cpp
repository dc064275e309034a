#include "workflow/pipeline_rbac.h"

#include <map>

#include "kube/object.h"
#include "kube/yaml.h"
#include "api/kratix.h"
#include "api/naming.h"
#include "workflow/labels.h"

namespace pave::workflow::detail {
namespace {

using kube::Json;

constexpr const char* kRbacApiVersion = "rbac.authorization.k8s.io/v1";
constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

Json rw_verbs() { return Json::array({"get", "list", "update", "create", "patch"}); }

std::string promise_name(const PipelineRun& run) { return kube::meta::name(run.promise); }

Json promise_labels(const PipelineRun& run) { return {{api::kLabelPromiseName, promise_name(run)}}; }

// What marks RBAC objects made from the user's permissions, so stale ones can be found and deleted.
Json user_permission_labels(const PipelineRun& run, const PipelineObjects& out) {
  return {{api::kLabelPromiseName, promise_name(run)},
          {kLabelWorkflowType, to_string(run.type)},
          {kLabelWorkflowAction, to_string(run.action)},
          {api::kLabelPipelineName, run.pipeline.name},
          {kLabelPipelineNamespace, out.ns}};
}

Json metadata(const std::string& name, const std::string& ns, Json labels) {
  Json m = {{"name", name}, {"labels", std::move(labels)}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

Json rbac_object(const char* kind, const std::string& name, const std::string& ns, Json labels, Json rules) {
  return {{"apiVersion", kRbacApiVersion}, {"kind", kind}, {"metadata", metadata(name, ns, std::move(labels))},
          {"rules", std::move(rules)}};
}

Json binding(const char* kind, const std::string& name, const std::string& ns, Json labels, const char* role_kind,
             const std::string& role_name, const PipelineObjects& out) {
  const Json& sa = out.service_account["metadata"];
  return {{"apiVersion", kRbacApiVersion},
          {"kind", kind},
          {"metadata", metadata(name, ns, std::move(labels))},
          {"roleRef", {{"apiGroup", kRbacGroup}, {"kind", role_kind}, {"name", role_name}}},
          {"subjects", Json::array({{{"kind", "ServiceAccount"}, {"name", sa["name"]}, {"namespace", sa["namespace"]}}})}};
}

// Reading and updating the resource request and its status: the reader and status-writer need it.
Json resource_rule(const PipelineRun& run) {
  return {{"apiGroups", Json::array({run.api.group})},
          {"resources", Json::array({run.api.plural, run.api.plural + "/status"})},
          {"verbs", rw_verbs()}};
}

void add_promise_workflow_rbac(const PipelineRun& run, PipelineObjects& out) {
  Json rule = {{"apiGroups", Json::array({api::kGroup})},
               {"resources", Json::array({"promises", "promises/status", "works"})},
               {"verbs", rw_verbs()}};
  out.cluster_roles.push_back(rbac_object("ClusterRole", out.pipeline_id, "", promise_labels(run), Json::array({rule})));
  out.cluster_role_bindings.push_back(
      binding("ClusterRoleBinding", out.pipeline_id, "", promise_labels(run), "ClusterRole", out.pipeline_id, out));
}

void add_resource_workflow_rbac(const PipelineRun& run, PipelineObjects& out) {
  Json works_rule = {{"apiGroups", Json::array({api::kGroup})}, {"resources", Json::array({"works"})},
                     {"verbs", Json::array({"*"})}};
  out.roles.push_back(rbac_object("Role", out.pipeline_id, out.ns, promise_labels(run),
                                  Json::array({resource_rule(run), works_rule})));
  out.role_bindings.push_back(
      binding("RoleBinding", out.pipeline_id, out.ns, promise_labels(run), "Role", out.pipeline_id, out));

  // The request lives elsewhere (pipelineNamespace, or a cluster-scoped API): the Role above cannot reach it.
  std::string rr_ns = kube::meta::namespace_of(run.object);
  if (rr_ns == out.ns) return;
  std::string name = rr_ns.empty() ? out.pipeline_id : out.pipeline_id + "-" + rr_ns;
  out.cluster_roles.push_back(rbac_object("ClusterRole", name, "", promise_labels(run), Json::array({resource_rule(run)})));
  out.cluster_role_bindings.push_back(
      binding("ClusterRoleBinding", name, "", promise_labels(run), "ClusterRole", name, out));
}

// Rules grouped by resourceNamespace, in the order they first appear within each namespace.
std::map<std::string, Json> rules_by_namespace(const Pipeline& pipeline) {
  std::map<std::string, Json> rules;
  for (const Permission& p : pipeline.rbac.permissions) {
    auto [it, inserted] = rules.try_emplace(p.resource_namespace, Json::array());
    it->second.push_back(p.policy_rule());
  }
  return rules;
}

// Rules for the pipeline's own namespace: a Role and RoleBinding deterministic(<pipeline ID>).
void add_pipeline_namespace_permissions(const PipelineRun& run, Json rules, PipelineObjects& out) {
  std::string name = api::deterministic_name(out.pipeline_id);
  out.roles.push_back(rbac_object("Role", name, out.ns, user_permission_labels(run, out), std::move(rules)));
  out.role_bindings.push_back(binding("RoleBinding", name, out.ns, user_permission_labels(run, out), "Role", name, out));
}

// Rules for another namespace: a ClusterRole deterministic(<pipeline ID>-<ns>), bound there by a RoleBinding.
// Kratix names the binding after the pipeline's namespace, not the target's; each lives in its target.
void add_named_namespace_permissions(const PipelineRun& run, const std::string& ns, Json rules, PipelineObjects& out) {
  Json labels = user_permission_labels(run, out);
  labels[api::kLabelResourceNamespace] = ns;
  std::string role = api::deterministic_name(out.pipeline_id + "-" + ns);
  out.cluster_roles.push_back(rbac_object("ClusterRole", role, "", labels, std::move(rules)));
  out.role_bindings.push_back(binding("RoleBinding", api::deterministic_name(out.pipeline_id + "-" + out.ns), ns, labels,
                                      "ClusterRole", role, out));
}

// Rules for every namespace ("*"): a ClusterRole and a ClusterRoleBinding.
void add_all_namespaces_permissions(const PipelineRun& run, Json rules, PipelineObjects& out) {
  Json labels = user_permission_labels(run, out);
  labels[api::kLabelResourceNamespace] = kAllNamespacesLabelValue;
  std::string role = api::deterministic_name(out.pipeline_id + "-" + kAllNamespacesNameSuffix);
  out.cluster_roles.push_back(rbac_object("ClusterRole", role, "", std::move(labels), std::move(rules)));
  // As in Kratix, the binding carries the user-permission labels without the resource-namespace one.
  out.cluster_role_bindings.push_back(binding("ClusterRoleBinding",
                                              api::deterministic_name(out.pipeline_id + "-" + out.ns), "",
                                              user_permission_labels(run, out), "ClusterRole", role, out));
}

void add_user_permissions(const PipelineRun& run, PipelineObjects& out) {
  for (auto& [ns, rules] : rules_by_namespace(run.pipeline)) {
    if (ns.empty()) {
      add_pipeline_namespace_permissions(run, std::move(rules), out);
    } else if (ns == "*") {
      add_all_namespaces_permissions(run, std::move(rules), out);
    } else {
      add_named_namespace_permissions(run, ns, std::move(rules), out);
    }
  }
}

}  // namespace

void add_service_account(const PipelineRun& run, PipelineObjects& out) {
  const std::string& named = run.pipeline.rbac.service_account;
  out.user_service_account = !named.empty();
  out.service_account = {{"apiVersion", "v1"},
                         {"kind", "ServiceAccount"},
                         {"metadata", metadata(named.empty() ? out.pipeline_id : named, out.ns, promise_labels(run))}};
}

void add_rbac(const PipelineRun& run, PipelineObjects& out) {
  if (run.type == WorkflowType::kPromise) {
    add_promise_workflow_rbac(run, out);
  } else {
    add_resource_workflow_rbac(run, out);
  }
  add_user_permissions(run, out);
}

std::string scheduling_config_map_name(const PipelineRun& run) { return "destination-selectors-" + promise_name(run); }

void add_scheduling_config_map(const PipelineRun& run, PipelineObjects& out) {
  if (run.action != WorkflowAction::kConfigure) return;
  Json selectors = Json::array();
  const Json& promise_selectors = kube::child(kube::child(run.promise, "spec"), "destinationSelectors");
  if (promise_selectors.is_array()) {
    for (const Json& s : promise_selectors) {
      Json entry = {{"source", "promise"}};
      const Json& labels = kube::child(s, "matchLabels");
      if (!labels.empty()) entry["matchLabels"] = labels;  // omitted when empty, like Go's omitempty
      selectors.push_back(std::move(entry));
    }
  }
  out.config_map = Json{{"apiVersion", "v1"},
                        {"kind", "ConfigMap"},
                        {"metadata", metadata(scheduling_config_map_name(run), out.ns, promise_labels(run))},
                        {"data", {{"destinationSelectors", kube::to_yaml(selectors)}}}};
}

}  // namespace pave::workflow::detail
