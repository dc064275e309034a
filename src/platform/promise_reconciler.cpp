#include "platform/promise_reconciler.h"
#include "platform/static_dependencies.h"

#include "base/compression.h"
#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"
#include "kube/yaml.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "api/naming.h"
#include "platform/finalizers.h"
#include "platform/gate_actions.h"
#include "platform/promise_crd.h"
#include "platform/request_placement_reporter.h"
#include "platform/promise_revisions.h"
#include "platform/requirements.h"
#include "platform/workflow_gates.h"
#include "platform/workflow_status.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;
using workflow::Decision;
using workflow::WorkflowAction;
using workflow::WorkflowType;
namespace ws = api::workflow_status;
namespace pr = api::promise;

// The ServiceAccount Kratix's controller runs as: the per-promise RBAC names it, as Kratix's does.
constexpr const char* kControllerServiceAccount = "kratix-platform-controller-manager";

const std::vector<std::string>& all_finalizers() {
  static const std::vector<std::string> all = {pr::kFinalizerDeleteWorkflows, pr::kFinalizerWorkflowsCleanup,
                                               pr::kFinalizerResourceRequests, pr::kFinalizerRevisions,
                                               pr::kFinalizerDynamicResources, pr::kFinalizerDependencies, pr::kFinalizerCrd};
  return all;
}

bool has_api(const Json& promise) {
  const Json& api = kube::child(kube::child(promise, "spec"), "api");
  return api.is_object() && !api.empty();
}

}  // namespace

PromiseReconciler::PromiseReconciler(kube::Client client, const kube::Informer& promises, const kube::Informer& works,
                                     const kube::Informer& revisions, ResourceControllers& requests, kube::EventRecorder& events,
                                     workflow::KratixConfig config, std::string adapter_image)
    : client_(std::move(client)),
      promises_(promises),
      works_(works),
      revisions_(revisions),
      requests_(requests),
      events_(events),
      config_(std::move(config)),
      adapter_image_(std::move(adapter_image)),
      runner_(client_) {}

kube::IndexFunc PromiseReconciler::promise_work_index() {
  return [](const Json& work) -> std::vector<std::string> {
    if (kube::meta::label(work, api::kLabelWorkType) != "promise") return {};
    return {kube::meta::label(work, api::kLabelPromiseName)};
  };
}

kube::IndexFunc PromiseReconciler::requires_index() {
  return [](const Json& promise) { return required_names(promise); };
}

kube::Result<kube::ReconcileResult> PromiseReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr promise = promises_.store().get(request.key());
  if (!promise) {
    requests_.stop(request.name);
    return kube::ReconcileResult{};
  }
  const GateInput in = gate_input(*promise);
  if (in.paused != GateInput::Paused::kNo) return hold(*promise, {.kind = Gate::Kind::kPaused}, in);  // deletion waits too
  if ((*promise)["metadata"].contains("deletionTimestamp")) return remove(*promise, in);
  return configure(*promise, in);
}

GateInput PromiseReconciler::gate_input(const Json& promise) const {
  // The interval comes from the revision of the Promise's version (its latest) once there is one.
  kube::ObjectPtr revision = revisions_.store().get(revision_name(kube::meta::name(promise), revision_version(promise)));
  return {.object = GateInput::Object::kPromise,
          .paused = kube::meta::label(promise, workflow::kLabelPaused) == "true" ? GateInput::Paused::kItself
                                                                                 : GateInput::Paused::kNo,
          .interval = reconciliation_interval(promise, config_.reconciliation_interval, revision.get()),
          .reconcile_after_failure = config_.workflows.reconcile_after_failure, .now = std::chrono::system_clock::now()};
}

kube::Result<kube::ReconcileResult> PromiseReconciler::hold(const Json& promise, const Gate& g, const GateInput& in) {
  const GateTarget target{.client = client_, .events = events_, .resource = api::promises(),
                          .write_status = [&](const Json& status) { return write_status(promise, status); },
                          .amend = [](Json& status) {
                            if (status.contains("status")) status["kratix"]["status"] = status["status"];
                          }};
  auto done = carry_out(target, promise, g, in);
  if (!done) return std::unexpected(done.error());
  // Its requests say they are paused too, and notice when it ends.
  if (done->changed && (g.kind == Gate::Kind::kPaused || g.kind == Gate::Kind::kUnpaused)) {
    requests_.wake_all(kube::meta::name(promise));
  }
  return done->result;
}

std::vector<std::string> PromiseReconciler::wanted_finalizers(const Json& promise) const {
  auto deletes = workflow::parse_workflow(promise, WorkflowType::kPromise, WorkflowAction::kDelete);
  const bool api = has_api(promise);
  std::vector<std::string> wanted;
  for (const auto& f : all_finalizers()) {
    if (f == pr::kFinalizerDeleteWorkflows && !(deletes && !deletes->empty())) continue;
    if (!api && (f == pr::kFinalizerResourceRequests || f == pr::kFinalizerDynamicResources || f == pr::kFinalizerCrd)) continue;
    wanted.push_back(f);
  }
  return wanted;
}

workflow::WorkflowTarget PromiseReconciler::target(const Json& promise, WorkflowAction action,
                                                   std::vector<workflow::Pipeline> pipelines) const {
  workflow::WorkflowTarget t{.type = WorkflowType::kPromise, .action = action, .promise = promise, .object = promise,
                             .pipelines = std::move(pipelines), .config = config_};
  if (!adapter_image_.empty()) t.adapter_image = adapter_image_;
  return t;
}

kube::Result<kube::ReconcileResult> PromiseReconciler::configure(const Json& promise, const GateInput& in) {
  const std::string name = kube::meta::name(promise);
  const int64_t generation = kube::meta::generation(promise);
  auto finalized = update_owned_finalizers(client_, api::promises(), promise, all_finalizers(), wanted_finalizers(promise));
  if (!finalized) return std::unexpected(finalized.error());
  if (*finalized) return kube::ReconcileResult{};  // the update wakes it again

  Json status = promise.value("status", Json::object());
  if (auto version = kube::meta::label(promise, api::kLabelPromiseVersion); !version.empty()) status["version"] = version;
  if (auto s = apply_revision(client_, events_, revisions_, promise); !s) return std::unexpected(s.error());
  auto met = check_requirements(promise, status);
  if (!met) return std::unexpected(met.error());
  bool established = false;
  auto api = apply_api(promise, status, established);
  if (!api && api.error().kind == kube::ErrorKind::kInvalid) {
    report_invalid(promise, pr::kEventInvalidApi, api.error().message);
    return kube::ReconcileResult{};  // a spec change wakes it
  }
  if (!api) return std::unexpected(api.error());
  if (*api && !established) {
    if (auto s = write_status(promise, status); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{.requeue_after = std::chrono::seconds(1)};
  }
  if (*api) {
    if (auto s = apply_controller_rbac(promise, **api); !s) return std::unexpected(s.error());
  }
  if (auto s = apply_dependencies(promise); !s) return std::unexpected(s.error());

  auto pipelines = workflow::parse_workflow(promise, WorkflowType::kPromise, WorkflowAction::kConfigure);
  if (!pipelines) {
    report_invalid(promise, pr::kEventInvalidPipeline, pipelines.error().message);
    return kube::ReconcileResult{};
  }
  const Gate g = gate(promise, in);
  if (g.kind != Gate::Kind::kProceed) return hold(promise, g, in);
  auto t = target(promise, WorkflowAction::kConfigure, *pipelines);
  auto advanced = advance_configure(client_, runner_, api::promises(), t, g);
  if (!advanced) return std::unexpected(advanced.error());
  if (advanced->behind) return kube::ReconcileResult{.requeue_after = std::chrono::milliseconds(500)};
  const workflow::WorkflowStep& step = advanced->step;
  const Decision& d = step.decision;
  std::string resource_version = advanced->resource_version;
  const Json* before = api::find_condition(promise, ws::kConfigureCompleted);
  apply_workflow_decision(status, workflow::pipeline_names(*pipelines), d, generation);
  if (d.kind == Decision::Kind::kStart && !step.started.empty()) {
    events_.normal(promise, ws::kEventPipelineStarted, "Configure", "Configure Pipeline started: " + (*pipelines)[d.pipeline].name);
  }
  if (d.kind == Decision::Kind::kFailed && (!before || before->value("reason", "") != ws::kReasonFailed)) {
    events_.warning(promise, ws::kEventWorkflowFailed, "Configure",
                    "A promise/configure Pipeline has failed: " + (*pipelines)[d.pipeline].name);
  }
  if (d.kind != Decision::Kind::kCompleted) {
    if (auto s = write_status(promise, status, resource_version); !s) return std::unexpected(s.error());
    return requeue_for_rerun(status, in);  // its Jobs' events wake it while it runs
  }

  // The configure workflow is done: the Promise can take requests.
  const auto works = works_.store().by_index(kPromiseWorkIndex, name);
  if (auto s = runner_.delete_stale_works(t, works); !s) return std::unexpected(s.error());
  if (*api) {
    requests_.ensure(name, **api);
    const bool spec_changed = status.value("observedGeneration", int64_t{0}) != generation && generation != 1;
    if (spec_changed || kube::meta::label(promise, workflow::kLabelReconcileResources) == "true") {
      if (auto s = rerun_requests(promise, **api, resource_version); !s) return std::unexpected(s.error());
    }
  }
  const bool was_available = status.value("status", "") == pr::kAvailable;
  if (!*met) return hold_for_requirements(promise, std::move(status), was_available, resource_version);
  status["status"] = pr::kAvailable;
  if (!was_available) status["lastAvailableTime"] = kube::time_now();
  api::set_condition(status, {.type = pr::kAvailable, .status = true, .reason = pr::kReasonAvailable,
                              .message = pr::kMessageAvailable, .observed_generation = generation});
  mark_reconciled(status, works_condition(works, pr::kMessageWorksSucceeded, generation), generation);
  for (const char* key : {"kind", "apiVersion", "status", "lastAvailableTime"}) {
    if (status.contains(key)) status["kratix"][key] = status[key];
  }
  if (auto s = write_status(promise, status, resource_version); !s) return std::unexpected(s.error());
  if (!was_available) {
    events_.normal(promise, pr::kEventAvailable, "Configure", pr::kEventAvailableMessage);
    requests_.wake_all(name);
  }
  return requeue_for_rerun(status, in);
}

kube::Result<bool> PromiseReconciler::check_requirements(const Json& promise, Json& status) const {
  const Json& spec = kube::child(kube::child(promise, "spec"), "requiredPromises");
  if ((!spec.is_array() || spec.empty()) && !status.contains("requiredPromises")) return true;
  const Json required = required_promises_status(
      promise, {.promise = [&](const std::string& n) { return promises_.store().get(n); },
                .has_revision = [&](const std::string& n, const std::string& v) { return has_revision(revisions_, n, v); }});
  if (required.empty()) status.erase("requiredPromises");
  else status["requiredPromises"] = required;
  api::set_condition(status, requirements_condition(required, kube::meta::generation(promise)));
  for (const auto& r : kube::child(kube::child(promise, "spec"), "requiredPromises")) {
    // Each required Promise says who requires it (status.requiredBy), written over its cached version.
    kube::ObjectPtr other = promises_.store().get(r.value("name", ""));
    if (!other || kube::child(*other, "metadata").contains("deletionTimestamp")) continue;
    const Json list = required_by(*other, promise, r.value("version", ""));
    if (list == kube::child(kube::child(*other, "status"), "requiredBy")) continue;
    auto written = client_.patch(api::promises(), "", kube::meta::name(*other), kube::PatchType::kMerge,
                                 {{"metadata", {{"resourceVersion", kube::meta::resource_version(*other)}}},
                                  {"status", {{"requiredBy", list}}}},
                                 {.subresource = "status"});
    if (!written && written.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(written.error());
  }
  return requirements_met(required);
}

kube::Result<kube::ReconcileResult> PromiseReconciler::hold_for_requirements(const Json& promise, Json status,
                                                                             bool was_available,
                                                                             const std::string& resource_version) {
  const int64_t generation = kube::meta::generation(promise);
  status["status"] = pr::kUnavailable;
  status["kratix"]["status"] = pr::kUnavailable;
  api::set_condition(status, {.type = pr::kAvailable, .status = false, .reason = pr::kReasonUnavailable,
                              .message = pr::kMessageUnavailable, .observed_generation = generation});
  api::set_condition(status, {.type = ws::kReconciled, .reason = "RequirementsNotFulfilled", .message = ws::kMessagePending,
                              .observed_generation = generation, .unknown = true});
  if (auto s = write_status(promise, status, resource_version); !s) return std::unexpected(s.error());
  if (was_available) {
    events_.warning(promise, "Unavailable", "Configure", "Promise no longer available: Requirements have changed");
    requests_.wake_all(kube::meta::name(promise));  // they go back to Pending
  }
  return kube::ReconcileResult{};  // a change of a required Promise wakes it
}

kube::ReconcileResult PromiseReconciler::requeue_for_rerun(const Json& status, const GateInput& in) {
  auto due = until_rerun(Json{{"status", status}}, in);
  return due ? requeue_after_wait(*due) : kube::ReconcileResult{};
}

kube::Result<std::optional<kube::Resource>> PromiseReconciler::apply_api(const Json& promise, Json& status, bool& established) {
  auto crd = promise_crd(promise);
  if (!crd) return std::unexpected(crd.error());
  if (!*crd) return std::optional<kube::Resource>{};
  auto applied = client_.apply(kube::resources::custom_resource_definitions(), **crd, {.field_manager = "pave", .force = true});
  if (!applied) {
    // The API server's refusal is the clearest word on what is wrong with the API.
    if (applied.error().kind == kube::ErrorKind::kInvalid || applied.error().kind == kube::ErrorKind::kBadRequest) {
      return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "promise api is not a valid CRD: " + applied.error().message));
    }
    return std::unexpected(applied.error());
  }
  for (const auto& c : kube::child(kube::child(*applied, "status"), "conditions")) {
    if (c.value("type", "") == "Established" && c.value("status", "") == "True") established = true;
  }
  status["kind"] = (**crd)["spec"]["names"].value("kind", "");
  status["apiVersion"] = promise_api_version(**crd);
  return request_resource(promise);
}

kube::Status PromiseReconciler::apply_controller_rbac(const Json& promise, const kube::Resource& api) const {
  const std::string name = kube::meta::name(promise) + "-promise-controller";
  const Json labels = {{api::kLabelPromiseName, kube::meta::name(promise)}};
  Json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRole"},
               {"metadata", {{"name", name}, {"labels", labels}}},
               {"rules", Json::array({{{"apiGroups", {api.group}}, {"resources", {api.plural}}, {"verbs", {"*"}}},
                                      {{"apiGroups", {api.group}}, {"resources", {api.plural + "/finalizers"}}, {"verbs", {"update"}}},
                                      {{"apiGroups", {api.group}}, {"resources", {api.plural + "/status"}},
                                       {"verbs", {"get", "update", "patch"}}}})}};
  Json binding = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRoleBinding"},
                  {"metadata", {{"name", name}, {"labels", labels}}},
                  {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", name}}},
                  {"subjects", Json::array({{{"kind", "ServiceAccount"}, {"name", kControllerServiceAccount},
                                             {"namespace", api::kSystemNamespace}}})}};
  for (const auto& [resource, object] : {std::pair{kube::resources::cluster_roles(), role}, std::pair{kube::resources::cluster_role_bindings(), binding}}) {
    auto applied = client_.apply(resource, object, {.field_manager = "pave", .force = true});
    if (!applied) return std::unexpected(applied.error());
  }
  return {};
}

kube::Status PromiseReconciler::apply_dependencies(const Json& promise) const {
  const std::optional<Json> work = static_dependencies_work(promise);
  if (!work) {
    auto gone = client_.remove(api::works(), api::kSystemNamespace, static_dependencies_work_name(promise));
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return gone;
    return {};
  }
  auto applied = client_.apply(api::works(), *work, {.field_manager = "pave", .force = true});
  if (!applied) return std::unexpected(applied.error());
  return {};
}

kube::Status PromiseReconciler::rerun_requests(const Json& promise, const kube::Resource& api, std::string& resource_version) const {
  auto all = client_.list_all(api, "");
  if (!all) return std::unexpected(all.error());
  for (const auto& rr : all->items) {
    auto labelled = client_.patch(api, kube::meta::namespace_of(rr), kube::meta::name(rr), kube::PatchType::kMerge,
                                  {{"metadata", {{"labels", {{workflow::kLabelRunFromStart, "true"}}}}}});
    if (!labelled && labelled.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(labelled.error());
  }
  events_.normal(promise, "ReconcilingResources", "Configure", "Reconciling all resource requests");
  if (kube::meta::label(promise, workflow::kLabelReconcileResources) == "true") {
    auto cleared = client_.patch(api::promises(), "", kube::meta::name(promise), kube::PatchType::kMerge,
                                 {{"metadata", {{"labels", {{workflow::kLabelReconcileResources, nullptr}}}}}});
    if (!cleared) return std::unexpected(cleared.error());
    resource_version = kube::meta::resource_version(*cleared);
  }
  return {};
}

kube::Status PromiseReconciler::write_status(const Json& promise, const Json& status, const std::string& resource_version) const {
  const Json patch = kube::merge_patch_between(promise.value("status", Json::object()), status);
  if (patch.empty()) return {};
  auto written = client_.patch(api::promises(), "", kube::meta::name(promise), kube::PatchType::kMerge,
                               {{"metadata", {{"resourceVersion", resource_version.empty() ? kube::meta::resource_version(promise)
                                                                                            : resource_version}}},
                                {"status", patch}},
                               {.subresource = "status"});
  if (!written && written.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(written.error());
  return {};
}

void PromiseReconciler::report_invalid(const Json& promise, const std::string& reason, const std::string& message) const {
  kube::log::warn("promise cannot be configured", {{"promise", kube::meta::name(promise)}, {"error", message}});
  Json status = promise.value("status", Json::object());
  if (status.value("message", "") == message) return;  // told already
  events_.warning(promise, reason, "Configure", message);
  status["message"] = message;
  status["status"] = pr::kUnavailable;
  const int64_t generation = kube::meta::generation(promise);
  api::set_condition(status, {.type = pr::kAvailable, .status = false, .reason = pr::kReasonUnavailable,
                              .message = pr::kMessageUnavailable, .observed_generation = generation});
  api::set_condition(status, {.type = ws::kReconciled, .status = false, .reason = reason,
                              .message = ws::kMessageFailing, .observed_generation = generation});
  if (auto s = write_status(promise, status); !s) {
    kube::log::warn("could not report on promise", {{"promise", kube::meta::name(promise)}, {"error", s.error().to_string()}});
  }
}

}  // namespace pave::platform
