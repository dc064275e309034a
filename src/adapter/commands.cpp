#include "adapter/commands.h"
#include "api/kratix.h"

#include <cstdlib>

#include "adapter/contract.h"
#include "adapter/files.h"
#include "adapter/reader.h"
#include "adapter/status_updater.h"
#include "adapter/workflow_control.h"
#include "kube/config.h"
#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"
#include "kube/yaml.h"

namespace pave::adapter {
namespace {

namespace log = kube::log;
using kube::Json;

int fail(std::string_view step, const std::string& why) {
  log::error(std::string(step) + " failed", {{"error", why}});
  return 1;
}

// Connects as the pod; nothing (after logging why) when no configuration works.
std::optional<kube::Client> connect(std::string_view step) {
  auto config = kube::load_config();
  if (!config) {
    fail(step, "cannot load the cluster configuration: " + config.error().message);
    return std::nullopt;
  }
  auto client = kube::make_client(*config);
  if (!client) {
    fail(step, "cannot create a Kubernetes client: " + client.error().message);
    return std::nullopt;
  }
  return std::move(*client);
}

std::string env_or(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* v = std::getenv(variable);
  return v ? v : "";
}

// Adds kratix.io/workflow-suspended: "true" to the object (a plain Update, as Kratix does).
kube::Result<Json> label_suspended(const kube::Client& client, const PipelineEnv& env, Json object) {
  if (kube::meta::label(object, api::kLabelWorkflowSuspended) == "true") return object;
  object["metadata"]["labels"][api::kLabelWorkflowSuspended] = "true";
  auto updated = client.update(env.object_resource(), object);
  if (!updated) return std::unexpected(updated.error());
  log::info("labelled the object", {{"label", std::string(api::kLabelWorkflowSuspended) + "=true"}});
  return updated;
}

}  // namespace

int run_reader(const kube::Client& client, const PipelineEnv& env) {
  auto file = write_object_file(client, env);
  if (!file) return fail("reader", file.error().message);
  log::info("object file written", {{"path", file->string()}, {"object", env.object_name}});
  return 0;
}

int run_reader() {
  auto client = connect("reader");
  return client ? run_reader(*client, pipeline_env()) : 1;
}

int run_work_creator(const kube::Client& client, const WorkCreatorOptions& flags) {
  WorkCreatorOptions options = flags;
  options.trace_parent = env_or(options.trace_parent, kEnvTraceParent);
  options.trace_state = env_or(options.trace_state, kEnvTraceState);
  log::info("executing work creator", {{"input-directory", options.input_directory},
                                       {"promise-name", options.promise_name},
                                       {"pipeline-name", options.pipeline_name},
                                       {"namespace", work_namespace(options)},
                                       {"workflow-type", options.workflow_type},
                                       {"resource-name", options.resource_name},
                                       {"resource-namespace", options.resource_namespace}});
  auto work = build_work(options, kube::time_now());
  if (!work) return fail("work creator", work.error().message);
  if (!*work) {
    log::info("workflow control requested suspension or retry; skipping Work creation or update");
    return 0;
  }
  auto applied = apply_work(client, **work);
  if (!applied) return fail("work creator", applied.error().message);
  log::info(applied->created ? "Work created" : "Work updated",
            {{"work", kube::meta::name(applied->work)}, {"namespace", kube::meta::namespace_of(applied->work)}});
  return 0;
}

int run_work_creator(const WorkCreatorOptions& options) {
  if (auto valid = validate(options); !valid) return fail("work creator", valid.error().message);
  auto client = connect("work creator");
  return client ? run_work_creator(*client, options) : 1;
}

int run_update_status(const kube::Client& client, const PipelineEnv& env, const std::filesystem::path& metadata_dir) {
  auto incoming = read_incoming_status(metadata_dir / kStatusFile);
  if (!incoming) return fail("update-status", incoming.error().message);
  auto control = read_workflow_control(metadata_dir / kWorkflowControlFile);
  if (!control) return fail("update-status", control.error().message);
  // The status goes first, then the suspension label: the controller answers the label by writing its own
  // conditions, so a reader who sees them finds the pipeline's hold already recorded. Either write may meet
  // a controller's write in between (409): the object is read again and the status planned again from it.
  bool suspend = false;
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto object = fetch_object(client, env);
    if (!object) return fail("update-status", object.error().message);
    auto plan = plan_status_update({.object = *object, .incoming = *incoming, .control = *control,
                                    .workflow_type = env.workflow_type, .workflow_action = env.workflow_action,
                                    .pipeline_name = env.pipeline_name,
                                    .is_last_pipeline = env.is_last_pipeline,
                                    .now = std::chrono::system_clock::now()});
    if (!plan) return fail("update-status", plan.error().message);
    if (attempt == 1) for (const auto& w : plan->warnings) log::warn(w);
    suspend = plan->suspend_label;
    Json target = std::move(*object);
    target["status"] = std::move(plan->status);
    auto updated = client.update_status(env.object_resource(), target);
    if (updated) break;
    if (updated.error().kind != kube::ErrorKind::kConflict || attempt == kAttempts) {
      return fail("update-status", "failed to update status: " + updated.error().to_string());
    }
    log::info("the object changed while its status was written; reading it again", {{"attempt", std::to_string(attempt)}});
  }
  log::info("status updated", {{"object", env.object_name}, {"pipeline", env.pipeline_name},
                               {"last-pipeline", env.is_last_pipeline ? "true" : "false"}});
  if (!suspend) return 0;
  log::info("workflow-control.yaml suspends the pipeline; labelling the object");
  for (int attempt = 1;; ++attempt) {
    auto object = fetch_object(client, env);
    if (!object) return fail("update-status", object.error().message);
    auto labelled = label_suspended(client, env, std::move(*object));
    if (labelled) return 0;
    if (labelled.error().kind != kube::ErrorKind::kConflict || attempt == kAttempts) {
      return fail("update-status", "failed to update object labels: " + labelled.error().to_string());
    }
  }
}

int run_update_status() {
  auto client = connect("update-status");
  return client ? run_update_status(*client, pipeline_env(), std::filesystem::path(kWorkCreatorFiles) / kMetadataDir) : 1;
}

}  // namespace pave::adapter
