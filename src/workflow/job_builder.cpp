#include "workflow/job_builder.h"

#include "kube/object.h"
#include "api/kratix.h"
#include "api/naming.h"
#include "workflow/labels.h"
#include "workflow/pipeline_rbac.h"

namespace pave::workflow {
namespace {

using kube::Json;

// Volumes every pipeline Pod shares between its containers (spec 3.2).
constexpr const char* kSharedInput = "shared-input";
constexpr const char* kSharedOutput = "shared-output";
constexpr const char* kSharedMetadata = "shared-metadata";
constexpr const char* kPromiseScheduling = "promise-scheduling";

// The object a workflow runs for, as its env vars, annotations and owner reference name it.
struct Subject {
  std::string group;
  std::string version;
  std::string kind;
  std::string plural;
  bool cluster_scoped = false;
  std::string name;
  std::string ns;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

Subject subject_of(const PipelineRun& run) {
  if (run.type == WorkflowType::kPromise) {
    return {api::kGroup, api::kVersion, "Promise", "promises", true, kube::meta::name(run.promise), ""};
  }
  return {run.api.group, run.api.version, run.api.kind, run.api.plural, run.api.cluster_scoped,
          kube::meta::name(run.object), kube::meta::namespace_of(run.object)};
}

Json env_var(const char* name, std::string value) { return {{"name", name}, {"value", std::move(value)}}; }

const char* boolean(bool b) { return b ? "true" : "false"; }

// What the reader and user containers are told about the run (spec 3.3); users' env comes after, so it wins.
Json kratix_env(const PipelineRun& run, const Subject& s) {
  Json env = Json::array({env_var("KRATIX_WORKFLOW_ACTION", std::string(to_string(run.action))),
                          env_var("KRATIX_WORKFLOW_TYPE", std::string(to_string(run.type))),
                          env_var("KRATIX_PROMISE_NAME", kube::meta::name(run.promise)),
                          env_var("KRATIX_PIPELINE_NAME", run.pipeline.name),
                          env_var("KRATIX_OBJECT_KIND", s.kind),
                          env_var("KRATIX_OBJECT_GROUP", s.group),
                          env_var("KRATIX_OBJECT_VERSION", s.version),
                          env_var("KRATIX_OBJECT_NAME", s.name),
                          env_var("KRATIX_OBJECT_NAMESPACE", s.ns),
                          env_var("KRATIX_CRD_PLURAL", s.plural),
                          env_var("KRATIX_CLUSTER_SCOPED", boolean(s.cluster_scoped))});
  if (run.dry_run) env.push_back(env_var("KRATIX_DRY_RUN", "true"));
  return env;
}

Json mount(const char* volume, const char* path, bool read_only = false) {
  Json m = {{"name", volume}, {"mountPath", path}};
  if (read_only) m["readOnly"] = true;
  return m;
}

// Kratix's containers run as an unprivileged, capability-less user whatever the cluster's defaults.
Json kratix_security_context() {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", Json::array({"ALL"})}}},
          {"privileged", false},
          {"runAsNonRoot", true},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

Json default_resources(const KratixConfig& config) {
  if (config.workflows.default_container_resources) return *config.workflows.default_container_resources;
  return {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}, {"ephemeral-storage", "128Mi"}}},
          {"limits", {{"cpu", "200m"}, {"memory", "256Mi"}, {"ephemeral-storage", "256Mi"}}}};
}

Json adapter_container(const PipelineRun& run, const char* name, Json args, Json env, Json mounts) {
  Json c = {{"name", name},
            {"image", run.adapter_image},
            {"command", Json::array({kAdapterBinary, "adapter"})},
            {"args", std::move(args)},
            {"env", std::move(env)},
            {"volumeMounts", std::move(mounts)},
            {"securityContext", kratix_security_context()},
            {"resources", default_resources(run.config)}};
  if (!run.config.workflows.default_image_pull_policy.empty()) {
    c["imagePullPolicy"] = run.config.workflows.default_image_pull_policy;
  }
  return c;
}

Json reader_container(const PipelineRun& run, const Subject& s) {
  return adapter_container(run, "reader", Json::array({"reader"}), kratix_env(run, s),
                           Json::array({mount(kSharedInput, "/kratix/input"), mount(kSharedOutput, "/kratix/output")}));
}

Json work_writer_container(const PipelineRun& run, const Subject& s, const std::string& ns) {
  Json args = Json::array({"work-creator", "--input-directory", "/work-creator-files", "--promise-name",
                           kube::meta::name(run.promise), "--pipeline-name", run.pipeline.name, "--namespace", ns,
                           "--workflow-type", to_string(run.type)});
  if (run.type == WorkflowType::kResource) {
    args.insert(args.end(), {"--resource-name", s.name});
    // Only then is the request's namespace part of the Work's name, as in the Job's.
    if (!run.pipeline_namespace.empty()) args.insert(args.end(), {"--resource-namespace", s.ns});
  }
  auto from_annotation = [](const char* var, const char* annotation) {
    return Json{{"name", var},
                {"valueFrom", {{"fieldRef", {{"fieldPath", std::string("metadata.annotations['") + annotation + "']"}}}}}};
  };
  Json env = Json::array({from_annotation("KRATIX_TRACE_PARENT", api::kAnnotationTraceParent),
                          from_annotation("KRATIX_TRACE_STATE", api::kAnnotationTraceState)});
  if (run.dry_run) env.push_back(env_var("KRATIX_DRY_RUN", "true"));
  return adapter_container(run, "work-writer", std::move(args), std::move(env),
                           Json::array({mount(kSharedOutput, "/work-creator-files/input"),
                                        mount(kSharedMetadata, "/work-creator-files/metadata"),
                                        mount(kPromiseScheduling, "/work-creator-files/kratix-system")}));
}

Json status_writer_container(const PipelineRun& run, const Subject& s) {
  Json env = Json::array({env_var("IS_LAST_PIPELINE", boolean(run.index + 1 == run.count))});
  for (Json& e : kratix_env(run, s)) env.push_back(std::move(e));
  return adapter_container(run, "status-writer", Json::array({"update-status"}), std::move(env),
                           Json::array({mount(kSharedMetadata, "/work-creator-files/metadata")}));
}

bool unset(const Json& container, const char* field) {
  auto it = container.find(field);
  return it == container.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
}

// A user container keeps everything it sets; Kratix's env and mounts go first, and the config's defaults
// fill only what it leaves unset.
Json user_container(const PipelineRun& run, Json c, const Json& env) {
  Json all_env = env;
  for (const Json& e : c.value("env", Json::array())) all_env.push_back(e);
  c["env"] = std::move(all_env);
  Json mounts = Json::array({mount(kSharedInput, "/kratix/input", true), mount(kSharedOutput, "/kratix/output"),
                             mount(kSharedMetadata, "/kratix/metadata")});
  for (const Json& m : c.value("volumeMounts", Json::array())) mounts.push_back(m);
  c["volumeMounts"] = std::move(mounts);
  const WorkflowsConfig& defaults = run.config.workflows;
  if (unset(c, "imagePullPolicy") && !defaults.default_image_pull_policy.empty()) {
    c["imagePullPolicy"] = defaults.default_image_pull_policy;
  }
  if (unset(c, "securityContext") && defaults.default_container_security_context) {
    c["securityContext"] = *defaults.default_container_security_context;
  }
  if (unset(c, "resources")) c["resources"] = default_resources(run.config);
  return c;
}

Json volumes(const PipelineRun& run) {
  Json v = Json::array();
  if (run.action == WorkflowAction::kConfigure) {
    v.push_back({{"name", kPromiseScheduling},
                 {"configMap",
                  {{"name", detail::scheduling_config_map_name(run)},
                   {"items", Json::array({{{"key", "destinationSelectors"}, {"path", kPromiseScheduling}}})}}}});
  }
  for (const char* shared : {kSharedInput, kSharedOutput, kSharedMetadata}) {
    v.push_back({{"name", shared}, {"emptyDir", Json::object()}});
  }
  for (const Json& user : run.pipeline.volumes) v.push_back(user);
  return v;
}

// Labels of the Job and its Pod template (spec 3.1); the Pipeline's own labels are applied last.
Json job_labels(const PipelineRun& run, const Subject& s) {
  Json labels = {{api::kLabelPromiseName, kube::meta::name(run.promise)},
                 {kLabelWorkflowType, to_string(run.type)},
                 {kLabelWorkflowAction, to_string(run.action)},
                 {api::kLabelPipelineName, run.pipeline.name},
                 {kLabelManagedBy, kManagedByKratix}};
  if (!run.hash.empty()) labels[kLabelHash] = run.hash;
  if (run.type == WorkflowType::kResource) {
    labels[api::kLabelResourceName] = s.name;
    if (!run.pipeline_namespace.empty()) labels[api::kLabelResourceNamespace] = s.ns;
  }
  for (const auto& [k, v] : run.pipeline.labels) labels[k] = v;
  return labels;
}

std::string job_name(const PipelineRun& run, const Subject& s) {
  std::string name = "kratix-" + kube::meta::name(run.promise);
  if (run.type == WorkflowType::kResource) {
    name += "-" + s.name;
    if (!run.pipeline_namespace.empty()) name += "-" + s.ns;
  }
  return api::generated_name(name + "-" + run.pipeline.name);
}

// Promise Jobs are controlled by their Promise; a resource Job by its request only when they share a
// namespace (an owner in another namespace would have the garbage collector delete the Job at once).
std::optional<Json> owner_reference(const PipelineRun& run, const Subject& s, const std::string& ns) {
  const Json& owner = run.type == WorkflowType::kPromise ? run.promise : run.object;
  std::string uid = kube::meta::uid(owner);
  if (uid.empty()) return std::nullopt;  // not read from the API server: nothing to point at
  if (run.type == WorkflowType::kResource && s.ns != ns) return std::nullopt;
  return Json{{"apiVersion", s.api_version()}, {"kind", s.kind},         {"name", s.name},
              {"uid", uid},                    {"controller", true},     {"blockOwnerDeletion", true}};
}

Json pod_spec(const PipelineRun& run, const Subject& s, const PipelineObjects& out) {
  Json env = kratix_env(run, s);
  Json init = Json::array({reader_container(run, s)});
  for (const Json& c : run.pipeline.containers) init.push_back(user_container(run, c, env));
  if (run.action == WorkflowAction::kConfigure) init.push_back(work_writer_container(run, s, out.ns));

  Json spec = {{"restartPolicy", run.pipeline.restart_policy.empty() ? "OnFailure" : run.pipeline.restart_policy},
               {"serviceAccountName", out.service_account["metadata"]["name"]},
               {"initContainers", std::move(init)},
               {"containers", Json::array({status_writer_container(run, s)})},
               {"volumes", volumes(run)}};
  Json secrets = Json::array();
  if (!run.adapter_pull_secret.empty()) secrets.push_back({{"name", run.adapter_pull_secret}});
  for (const Json& secret : run.pipeline.image_pull_secrets) secrets.push_back(secret);
  if (!secrets.empty()) spec["imagePullSecrets"] = std::move(secrets);
  if (!run.pipeline.node_selector.empty()) spec["nodeSelector"] = run.pipeline.node_selector;
  if (!run.pipeline.tolerations.empty()) spec["tolerations"] = run.pipeline.tolerations;
  return spec;
}

Json job(const PipelineRun& run, const Subject& s, const PipelineObjects& out) {
  Json labels = job_labels(run, s);
  Json metadata = {{"name", job_name(run, s)},
                   {"namespace", out.ns},
                   {"labels", labels},
                   {"annotations",
                    {{kAnnotationJobResourceNamespace, s.ns},
                     {kAnnotationJobResourceName, s.name},
                     {kAnnotationJobResourceKind, s.kind},
                     {kAnnotationJobResourceApiVersion, s.api_version()}}}};
  if (auto owner = owner_reference(run, s, out.ns)) metadata["ownerReferences"] = Json::array({*owner});

  Json template_metadata = {{"labels", std::move(labels)}};
  if (!run.pipeline.annotations.empty()) template_metadata["annotations"] = run.pipeline.annotations;
  Json spec = {{"template", {{"metadata", std::move(template_metadata)}, {"spec", pod_spec(run, s, out)}}}};
  // The Pipeline's own limit, else the platform default, else Kubernetes' (6).
  if (run.pipeline.backoff_limit) {
    spec["backoffLimit"] = *run.pipeline.backoff_limit;
  } else if (run.config.workflows.job_options.default_backoff_limit) {
    spec["backoffLimit"] = *run.config.workflows.job_options.default_backoff_limit;
  }
  return {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", std::move(metadata)}, {"spec", std::move(spec)}};
}

kube::Status check_run(const PipelineRun& run, const Subject& s) {
  auto invalid = [](std::string message) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, std::move(message)));
  };
  if (kube::meta::name(run.promise).empty()) return invalid("pipeline run: the Promise has no name");
  if (run.pipeline.name.empty()) return invalid("pipeline run: the Pipeline has no name");
  if (run.count == 0 || run.index >= run.count) {
    return invalid("pipeline run: index " + std::to_string(run.index) + " is outside a workflow of " +
                   std::to_string(run.count) + " pipelines");
  }
  if (run.type == WorkflowType::kResource) {
    if (s.name.empty()) return invalid("pipeline run: the resource request has no name");
    if (s.plural.empty() || s.version.empty() || s.kind.empty()) {
      return invalid("pipeline run: the resource request's API (version, kind, plural) is incomplete");
    }
  }
  return {};
}

}  // namespace

std::string configured_pipeline_namespace(const Json& promise) {
  const Json& ns = kube::child(kube::child(kube::child(promise, "spec"), "workflows"), "config");
  auto it = ns.find("pipelineNamespace");
  return it != ns.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string pipeline_namespace(const PipelineRun& run) {
  if (!run.pipeline_namespace.empty()) return run.pipeline_namespace;
  if (run.type == WorkflowType::kPromise) return kSystemNamespace;
  std::string ns = kube::meta::namespace_of(run.object);
  return ns.empty() ? kSystemNamespace : ns;  // a cluster-scoped request has none
}

kube::Result<PipelineObjects> build_pipeline_objects(const PipelineRun& run) {
  Subject s = subject_of(run);
  if (auto status = check_run(run, s); !status) return std::unexpected(status.error());
  PipelineObjects out;
  out.pipeline_id = api::pipeline_id(kube::meta::name(run.promise), to_string(run.type), to_string(run.action),
                                     run.pipeline.name);
  out.ns = pipeline_namespace(run);
  detail::add_service_account(run, out);
  detail::add_rbac(run, out);
  detail::add_scheduling_config_map(run, out);
  out.job = job(run, s, out);
  return out;
}

}  // namespace pave::workflow
