#include "workflow/pipeline.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <set>

#include "kube/object.h"
#include "api/kratix.h"
#include "api/naming.h"
#include "workflow/fields.h"

namespace pave::workflow {
namespace {

using kube::ErrorKind;
using kube::Json;
using kube::Status;
using Known = std::initializer_list<std::string_view>;

// metav1.ObjectMeta's fields: Go decodes a Pipeline's metadata into ObjectMeta, so these are accepted (and
// all but name, labels and annotations ignored) rather than unknown.
const Known kObjectMetaFields = {"name",       "generateName",      "namespace",         "selfLink",
                                 "uid",        "resourceVersion",   "generation",        "creationTimestamp",
                                 "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
                                 "ownerReferences",   "finalizers",        "managedFields"};

// The error of Kubernetes' strict decoder: every unknown member of one object, each with its full path.
Status reject_unknown(const Json& object, std::string_view prefix, Known known) {
  std::string message;
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (!message.empty()) message += ", ";
    message += "unknown field \"" + fields::path(prefix, key) + "\"";
  }
  if (message.empty()) return {};
  return std::unexpected(kube::make_error(ErrorKind::kInvalid, message));
}

// A section that must be an object when present; nullptr when absent.
kube::Result<const Json*> strict_section(const Json& object, std::string_view key, std::string_view prefix,
                                         Known known) {
  auto section = fields::read_section(object, key, prefix);
  if (!section || !*section) return section;
  if (auto s = reject_unknown(**section, fields::path(prefix, key), known); !s) return std::unexpected(s.error());
  return section;
}

kube::Result<Permission> parse_permission(const Json& item, const std::string& prefix) {
  if (!item.is_object()) return std::unexpected(fields::invalid_value(prefix, "an object", item));
  if (auto s = reject_unknown(item, prefix,
                              {"resourceNamespace", "apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"});
      !s) {
    return std::unexpected(s.error());
  }
  Permission p;
  for (auto s : {fields::read_string(item, "resourceNamespace", prefix, p.resource_namespace),
                 fields::read_strings(item, "apiGroups", prefix, p.api_groups),
                 fields::read_strings(item, "resources", prefix, p.resources),
                 fields::read_strings(item, "verbs", prefix, p.verbs),
                 fields::read_strings(item, "resourceNames", prefix, p.resource_names),
                 fields::read_strings(item, "nonResourceURLs", prefix, p.non_resource_urls)}) {
    if (!s) return std::unexpected(s.error());
  }
  return p;
}

Status parse_rbac(const Json& spec, PipelineRbac& out) {
  auto rbac = strict_section(spec, "rbac", "spec", {"serviceAccount", "permissions"});
  if (!rbac) return std::unexpected(rbac.error());
  if (!*rbac) return {};
  if (auto s = fields::read_string(**rbac, "serviceAccount", "spec.rbac", out.service_account); !s) return s;
  const Json* permissions = fields::member(**rbac, "permissions");
  if (!permissions) return {};
  if (!permissions->is_array()) {
    return std::unexpected(fields::invalid_value("spec.rbac.permissions", "a list", *permissions));
  }
  for (size_t i = 0; i < permissions->size(); ++i) {
    auto p = parse_permission((*permissions)[i], "spec.rbac.permissions[" + std::to_string(i) + "]");
    if (!p) return std::unexpected(p.error());
    out.permissions.push_back(std::move(*p));
  }
  return {};
}

Status parse_job_options(const Json& spec, std::optional<int32_t>& backoff_limit) {
  auto options = strict_section(spec, "jobOptions", "spec", {"backoffLimit"});
  if (!options) return std::unexpected(options.error());
  if (!*options || !fields::member(**options, "backoffLimit")) return {};
  int64_t limit = 0;
  if (auto s = fields::read_int(**options, "backoffLimit", "spec.jobOptions", 0, std::numeric_limits<int32_t>::max(),
                                limit);
      !s) {
    return s;
  }
  backoff_limit = static_cast<int32_t>(limit);
  return {};
}

// Containers stay Kubernetes JSON; only what the Job builder relies on is checked: a name, and env and
// volumeMounts that are lists it can put Kratix's entries in front of.
Status check_containers(const std::vector<Json>& containers) {
  for (size_t i = 0; i < containers.size(); ++i) {
    std::string prefix = "spec.containers[" + std::to_string(i) + "]";
    const Json* name = fields::member(containers[i], "name");
    if (!name || !name->is_string() || name->get<std::string>().empty()) {
      return std::unexpected(fields::invalid_value(prefix + ".name", "a non-empty string", name ? *name : Json()));
    }
    for (const char* list : {"env", "volumeMounts"}) {
      const Json* v = fields::member(containers[i], list);
      if (v && !v->is_array()) return std::unexpected(fields::invalid_value(fields::path(prefix, list), "a list", *v));
    }
  }
  return {};
}

Status parse_spec(const Json& pipeline, Pipeline& out) {
  auto spec = strict_section(pipeline, "spec", "",
                             {"containers", "volumes", "imagePullSecrets", "nodeSelector", "tolerations",
                              "restartPolicy", "jobOptions", "rbac"});
  if (!spec) return std::unexpected(spec.error());
  if (!*spec) return {};
  const Json& s = **spec;
  for (auto status : {fields::read_objects(s, "containers", "spec", out.containers),
                      fields::read_objects(s, "volumes", "spec", out.volumes),
                      fields::read_objects(s, "imagePullSecrets", "spec", out.image_pull_secrets),
                      fields::read_string_map(s, "nodeSelector", "spec", out.node_selector),
                      fields::read_objects(s, "tolerations", "spec", out.tolerations),
                      fields::read_string(s, "restartPolicy", "spec", out.restart_policy)}) {
    if (!status) return status;
  }
  if (auto status = check_containers(out.containers); !status) return status;
  if (auto status = parse_job_options(s, out.backoff_limit); !status) return status;
  return parse_rbac(s, out.rbac);
}

Status parse_metadata(const Json& pipeline, Pipeline& out) {
  auto metadata = strict_section(pipeline, "metadata", "", kObjectMetaFields);
  if (!metadata) return std::unexpected(metadata.error());
  if (!*metadata) return {};
  for (auto s : {fields::read_string(**metadata, "name", "metadata", out.name),
                 fields::read_string_map(**metadata, "labels", "metadata", out.labels),
                 fields::read_string_map(**metadata, "annotations", "metadata", out.annotations)}) {
    if (!s) return s;
  }
  return {};
}

// Kratix's own message, kind and apiVersion joined as it prints them.
Status check_type(const Json& pipeline) {
  std::string kind, api_version;
  (void)fields::read_string(pipeline, "kind", "", kind);  // a non-string reads as "" and fails below
  (void)fields::read_string(pipeline, "apiVersion", "", api_version);
  if (kind == "Pipeline" && api_version == api::kApiVersion) return {};
  return std::unexpected(kube::make_error(
      ErrorKind::kInvalid, "unsupported pipeline \"" + kube::meta::name(pipeline) + "\" with APIVersion \"" + kind +
                               "/" + api_version + "\""));
}

kube::Error in_workflow(WorkflowType type, WorkflowAction action, const kube::Error& e) {
  return kube::make_error(ErrorKind::kInvalid, "failed parsing " + std::string(to_string(type)) + "." +
                                                   std::string(to_string(action)) + " pipeline: " + e.message);
}

// Kratix decodes a Pipeline with Go's strict JSON decoder, which stops at the first unknown field and
// names only its key: "failed unmarshalling pipeline build: json: unknown field \"backofLimit\"". The
// webhook and the Promise's status say it in those words.
kube::Error as_kratix_says(const Json& pipeline, const kube::Error& e) {
  static const std::string kUnknown = "unknown field \"";
  if (!e.message.starts_with(kUnknown)) return e;
  const size_t end = e.message.find('"', kUnknown.size());
  std::string key = e.message.substr(kUnknown.size(), end - kUnknown.size());
  if (const size_t dot = key.rfind('.'); dot != std::string::npos) key = key.substr(dot + 1);
  if (const size_t bracket = key.find('['); bracket != std::string::npos) key = key.substr(0, bracket);
  return kube::make_error(ErrorKind::kInvalid, "failed unmarshalling pipeline " + kube::meta::name(pipeline) +
                                                   ": json: unknown field \"" + key + "\"");
}

std::string too_long_message(std::string_view promise, WorkflowType type, WorkflowAction action,
                             std::string_view name) {
  std::string t(to_string(type)), a(to_string(action)), n(name);
  return t + "." + a + " pipeline with name \"" + n +
         "\" is too long. The name is used when generating resources for the pipeline,including the "
         "ServiceAccount which follows the format of \"" +
         std::string(promise) + "-" + t + "-" + a + "-" + n + "\", which cannot be longer than 60 characters in total";
}

// The names and ID lengths the Promise webhook checks, here so a Promise that bypassed it still fails loudly.
Status check_pipeline_list(const Json& promise, WorkflowType type, WorkflowAction action,
                           const std::vector<Pipeline>& pipelines) {
  std::set<std::string> seen;
  std::string promise_name = kube::meta::name(promise);
  for (const Pipeline& p : pipelines) {
    if (!seen.insert(p.name).second) {
      return std::unexpected(kube::make_error(
          ErrorKind::kInvalid, "duplicate pipeline name \"" + p.name + "\" in workflow \"" + std::string(to_string(type)) +
                                   "\" action \"" + std::string(to_string(action)) + "\""));
    }
    if (api::pipeline_id(promise_name, to_string(type), to_string(action), p.name).size() >
        kMaxPipelineIdLength) {
      return std::unexpected(kube::make_error(ErrorKind::kInvalid, too_long_message(promise_name, type, action, p.name)));
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(WorkflowType type) { return type == WorkflowType::kPromise ? "promise" : "resource"; }

std::string_view to_string(WorkflowAction action) {
  return action == WorkflowAction::kConfigure ? "configure" : "delete";
}

Json Permission::policy_rule() const {
  // Go's PolicyRule omits empty lists except verbs, which it always writes.
  Json rule = {{"verbs", verbs}};
  if (!api_groups.empty()) rule["apiGroups"] = api_groups;
  if (!resources.empty()) rule["resources"] = resources;
  if (!resource_names.empty()) rule["resourceNames"] = resource_names;
  if (!non_resource_urls.empty()) rule["nonResourceURLs"] = non_resource_urls;
  return rule;
}

kube::Result<Pipeline> parse_pipeline(const Json& pipeline) {
  if (!pipeline.is_object()) return std::unexpected(fields::invalid_value("pipeline", "an object", pipeline));
  if (auto s = check_type(pipeline); !s) return std::unexpected(s.error());
  if (auto s = reject_unknown(pipeline, "", {"apiVersion", "kind", "metadata", "spec"}); !s) {
    return std::unexpected(s.error());
  }
  Pipeline out;
  if (auto s = parse_metadata(pipeline, out); !s) return std::unexpected(s.error());
  if (out.name.empty()) return std::unexpected(fields::invalid_value("metadata.name", "a non-empty string", Json("")));
  if (auto s = parse_spec(pipeline, out); !s) return std::unexpected(s.error());
  return out;
}

kube::Result<std::vector<Pipeline>> parse_workflow(const Json& promise, WorkflowType type, WorkflowAction action) {
  const Json& list = kube::child(kube::child(kube::child(kube::child(promise, "spec"), "workflows"),
                                             std::string(to_string(type)).c_str()),
                                 std::string(to_string(action)).c_str());
  std::vector<Pipeline> pipelines;
  if (list.is_null() || (list.is_object() && list.empty())) return pipelines;
  if (!list.is_array()) {
    std::string where = "spec.workflows." + std::string(to_string(type)) + "." + std::string(to_string(action));
    return std::unexpected(in_workflow(type, action, fields::invalid_value(where, "a list", list)));
  }
  for (const Json& item : list) {
    auto p = parse_pipeline(item);
    if (!p) return std::unexpected(in_workflow(type, action, as_kratix_says(item, p.error())));
    pipelines.push_back(std::move(*p));
  }
  if (auto s = check_pipeline_list(promise, type, action, pipelines); !s) return std::unexpected(s.error());
  if (action == WorkflowAction::kDelete && pipelines.size() > 1) pipelines.resize(1);
  return pipelines;
}

std::vector<std::string> pipeline_names(const std::vector<Pipeline>& pipelines) {
  std::vector<std::string> names;
  for (const auto& p : pipelines) names.push_back(p.name);
  return names;
}

}  // namespace pave::workflow
