// The Promise webhook's checks (kratix-spec.md 1.1; Kratix's vpromise.kb.io), in Kratix's order: the API,
// the pipelines, the re-run interval, then (on update) what may not change; warnings last.
#include <chrono>
#include <functional>

#include "admission/checks.h"
#include "api/go_duration.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "kube/validation.h"
#include "platform/promise_crd.h"
#include "workflow/job_builder.h"
#include "workflow/pipeline.h"

namespace pave::admission {
namespace {

using kube::AdmissionResponse;
using kube::Json;

kube::Resource crds() { return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false}; }

const Json& api_of(const Json& promise) { return kube::child(kube::child(promise, "spec"), "api"); }
bool has_api(const Json& promise) { return api_of(promise).is_object() && !api_of(promise).empty(); }

std::string json_type(const Json& v) {
  return v.is_string() ? "string" : v.is_array() ? "array" : v.is_number() ? "number" : v.is_boolean() ? "bool" : "value";
}

// The API as the CRD the controller would make, accepted by the API server in a dry run.
std::string api_problem(const CheckContext& context, const Json& promise) {
  const Json& api = api_of(promise);
  if (api.is_null() || (api.is_object() && api.empty())) return "";
  if (!api.is_object()) {
    return "api is not a valid CRD: json: cannot unmarshal " + json_type(api) + " into Go value of type v1.CustomResourceDefinition";
  }
  const std::string scope = kube::string_at(kube::child(api, "spec"), "scope");
  if (!scope.empty() && scope != "Namespaced") {
    return "promise api needs to be namespace scoped; spec.api.spec.scope cannot be: " + scope;
  }
  auto crd = platform::promise_crd(promise);
  if (!crd) return "invalid CRD: " + crd.error().message;
  auto created = context.client.create(crds(), "", **crd, {.dry_run = true});
  if (created) return "";
  if (created.error().kind != kube::ErrorKind::kAlreadyExists) return "invalid CRD: " + created.error().message;
  auto existing = context.client.get(crds(), "", kube::meta::name(**crd));
  if (!existing) return existing.error().message;
  Json updated = *existing;
  updated["spec"] = (**crd)["spec"];
  auto dry = context.client.update(crds(), updated, {.dry_run = true});
  return dry ? "" : "invalid CRD changes: " + dry.error().message;
}

// The request a resource pipeline's Job is built for in the dry run (Kratix's).
Json dry_run_request(const Json& crd) {
  const Json& spec = kube::child(crd, "spec");
  std::string version;
  for (const Json& v : kube::child(spec, "versions")) {
    if (v.value("storage", false)) version = v.value("name", "");
  }
  return {{"apiVersion", kube::string_at(spec, "group") + "/" + version}, {"kind", kube::string_at(kube::child(spec, "names"), "kind")},
          {"metadata", {{"name", "webhook-dry-run"}, {"namespace", "default"}}}};
}

std::string pipeline_problem(const CheckContext& context, const Json& promise, workflow::WorkflowType type,
                             workflow::WorkflowAction action, const workflow::Pipeline& p, size_t index, size_t count) {
  const std::string t(workflow::to_string(type)), a(workflow::to_string(action));
  for (const auto& [key, value] : p.labels) {
    if (auto errs = kube::label_value_errors(value); !errs.empty()) {
      return "invalid label value \"" + value + "\" for key \"" + key + "\" in workflow \"" + t + "\" action \"" + a + "\": " + kube::join(errs);
    }
    if (auto errs = kube::qualified_name_errors(key); !errs.empty()) {
      return "invalid label key \"" + key + "\" in workflow \"" + t + "\" action \"" + a + "\": " + kube::join(errs);
    }
  }
  for (const Json& c : p.containers) {
    const std::string name = c.value("name", "");
    if (auto errs = kube::dns1123_label_errors(name); !errs.empty()) {
      return "invalid container name \"" + name + "\" in pipeline \"" + p.name + "\": " + kube::join(errs);
    }
  }
  workflow::PipelineRun run{.type = type, .action = action, .promise = promise, .object = promise, .index = index, .count = count,
                            .pipeline = p, .hash = "webhook-dry-run",
                            .pipeline_namespace = workflow::configured_pipeline_namespace(promise),
                            .adapter_image = context.adapter_image.empty() ? workflow::kDefaultAdapterImage : context.adapter_image,
                            .config = context.kratix};
  if (type == workflow::WorkflowType::kResource) {
    auto crd = platform::promise_crd(promise);
    if (!crd || !*crd) return "";  // a resource workflow without an API never runs
    const Json request = dry_run_request(**crd);
    const Json& spec = (**crd)["spec"];
    run.object = request;
    run.api = {.group = kube::string_at(spec, "group"), .version = request["apiVersion"].get<std::string>().substr(
                   kube::string_at(spec, "group").size() + 1),
               .kind = kube::string_at(spec["names"], "kind"), .plural = kube::string_at(spec["names"], "plural")};
  }
  auto objects = workflow::build_pipeline_objects(run);
  if (!objects) return "failed to generate pipeline resources " + objects.error().message;
  auto job = context.client.create(kube::resources::jobs(), objects->ns, objects->job, {.dry_run = true});
  if (!job) return "\n" + t + "." + a + " pipeline with name " + p.name + " failed to generate Job definition: \n" + job.error().message;
  return "";
}

std::string pipelines_problem(const CheckContext& context, const Json& promise) {
  using workflow::WorkflowAction, workflow::WorkflowType;
  for (WorkflowType type : {WorkflowType::kPromise, WorkflowType::kResource}) {
    for (WorkflowAction action : {WorkflowAction::kConfigure, WorkflowAction::kDelete}) {
      auto pipelines = workflow::parse_workflow(promise, type, action);
      if (!pipelines) return pipelines.error().message;
      for (size_t i = 0; i < pipelines->size(); ++i) {
        if (auto problem = pipeline_problem(context, promise, type, action, (*pipelines)[i], i, pipelines->size()); !problem.empty()) {
          return problem;
        }
      }
    }
  }
  return "";
}

std::string spec_interval_problem(const Json& promise) {
  const Json& interval = kube::child(kube::child(kube::child(kube::child(promise, "spec"), "workflows"), "config"), "reconciliationInterval");
  if (!interval.is_string()) return "";
  const std::string text = interval.get<std::string>();
  auto d = api::parse_go_duration(text);
  const std::string field = "spec.workflows.config.reconciliationInterval: Invalid value: \"" + text + "\": ";
  if (!d) return field + "must be a valid duration";
  if (*d < std::chrono::minutes(1)) return field + "must be at least 1m0s";
  return "";
}

// What an update may not change about the API (Kratix's immutable fields).
std::string update_problem(const Json& old_promise, const Json& promise) {
  if (!has_api(old_promise)) return "";
  if (!has_api(promise)) return "cannot remove API from existing promise";
  const Json& before = api_of(old_promise);
  const Json& after = api_of(promise);
  std::string lines;
  auto immutable = [&](const std::string& field, const std::string& value) {
    lines += (lines.empty() ? "" : "\n") + std::string("* ") + field + ": Invalid value: " + value + ": field is immutable";
  };
  auto quoted = [](const std::string& s) { return Json(s).dump(); };
  if (kube::meta::name(before) != kube::meta::name(after)) immutable("spec.api.metadata.name", quoted(kube::meta::name(after)));
  if (kube::string_at(before, "kind") != kube::string_at(after, "kind")) immutable("spec.api.kind", quoted(kube::string_at(after, "kind")));
  if (kube::string_at(before, "apiVersion") != kube::string_at(after, "apiVersion")) {
    immutable("spec.api.apiVersion", quoted(kube::string_at(after, "apiVersion")));
  }
  const Json& names = kube::child(kube::child(after, "spec"), "names");
  if (kube::child(kube::child(before, "spec"), "names") != names) {
    immutable("spec.api.spec.names", "{\"plural\": " + quoted(kube::string_at(names, "plural")) + ", \"singular\": " +
                                         quoted(kube::string_at(names, "singular")) + ", \"kind\": " + quoted(kube::string_at(names, "kind")) + "}");
  }
  if (lines.empty()) return "";
  return "promises.platform.kratix.io " + quoted(kube::meta::name(promise)) + " was not valid:\n" + lines;
}

std::vector<std::string> requirement_warnings(const CheckContext& context, const Json& promise) {
  std::vector<std::string> warnings;
  for (const Json& r : kube::child(kube::child(promise, "spec"), "requiredPromises")) {
    const std::string name = kube::string_at(r, "name"), version = kube::string_at(r, "version");
    auto required = context.client.get(api::promises(), "", name);
    if (!required) {
      if (required.error().kind == kube::ErrorKind::kNotFound) {
        warnings.push_back("Required Promise \"" + name + "\" at version \"" + version + "\" not installed");
      }
      continue;
    }
    const std::string have = kube::string_at(kube::child(*required, "status"), "version");
    if (!version.empty() && have != version) {
      warnings.push_back("Required Promise \"" + name + "\" installed but not at a compatible version, want: \"" + version +
                         "\" have: \"" + have + "\"");
    }
  }
  if (!warnings.empty()) warnings.push_back("Promise will not be available until the above issue(s) is resolved");
  return warnings;
}


}  // namespace

std::string interval_annotation_problem(const Json& object) {
  const Json& annotations = kube::child(kube::child(object, "metadata"), "annotations");
  if (!annotations.is_object() || !annotations.contains(kReconciliationIntervalAnnotation)) return "";
  const Json& value = annotations[kReconciliationIntervalAnnotation];
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  const std::string field = std::string("metadata.annotations[") + kReconciliationIntervalAnnotation + "]: Invalid value: \"" + text + "\": ";
  auto d = api::parse_go_duration(text);
  if (!d) return field + "must be a valid duration";
  if (*d < std::chrono::minutes(1)) return field + "must be at least 1m0s";
  return "";
}

AdmissionResponse validate_promise(const CheckContext& context, const kube::AdmissionRequest& request) {
  const Json& promise = request.object;
  const bool update = request.operation == "UPDATE";
  if (request.operation != "CREATE" && !update) return AdmissionResponse::allow();
  // Finalizers coming off a Promise being deleted, or the controller's own labels and finalizers: nothing
  // the checks look at has changed.
  if (kube::meta::deleting(promise)) return AdmissionResponse::allow();
  if (update && kube::child(request.old_object, "spec") == kube::child(promise, "spec") &&
      interval_annotation_problem(request.old_object) == interval_annotation_problem(promise)) {
    return AdmissionResponse::allow();
  }
  // In Kratix's order, each check run only when those before it passed (some ask the API server).
  const std::vector<std::function<std::string()>> checks = {
      [&] { return api_problem(context, promise); },
      [&] { return pipelines_problem(context, promise); },
      [&] { return spec_interval_problem(promise); },
      [&] { return interval_annotation_problem(promise); },
      [&] { return update ? update_problem(request.old_object, promise) : std::string(); },
  };
  for (const auto& check : checks) {
    if (std::string problem = check(); !problem.empty()) return AdmissionResponse::deny(problem);
  }
  return AdmissionResponse::allow(requirement_warnings(context, promise));
}

}  // namespace pave::admission
