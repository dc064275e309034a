#include "platform/resource_request_reconciler.h"

#include "kube/log.h"
#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/delete_workflow.h"
#include "platform/finalizers.h"
#include "platform/gate_actions.h"
#include "platform/promise_revisions.h"
#include "platform/request_placement_reporter.h"
#include "platform/resource_bindings.h"
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

// The status fields the controller owns; everything else on a request's status is the pipelines'.
constexpr const char* kOwnedStatus[] = {"message", "workflows", "workflowsSucceeded", "workflowsFailed", "conditions",
                                        "observedGeneration", "lastSuccessfulConfigureWorkflowTime", "promiseVersion",
                                        "resourceBindingVersion"};
const std::vector<std::string> kOwnedFinalizers = {api::request::kFinalizerDeleteWorkflows, api::request::kFinalizerWorkCleanup,
                                                   api::request::kFinalizerWorkflowsCleanup, kFinalizerBindingCleanup};

bool available(const Json& promise) {
  const Json* c = api::find_condition(promise, api::promise::kAvailable);
  return !c || c->value("status", "") != "False";  // only a Promise that says it is unavailable holds requests
}

bool has_label(const Json& object, const char* key) { return kube::meta::label(object, key) == "true"; }

}  // namespace

ResourceRequestReconciler::ResourceRequestReconciler(const RequestControllerContext& context, std::string promise,
                                                     kube::Resource api, const kube::Informer& requests)
    : ctx_(context), promise_(std::move(promise)), api_(std::move(api)), requests_(requests), runner_(context.client) {}

kube::Result<kube::ReconcileResult> ResourceRequestReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr rr = requests_.store().get(request.key());
  kube::ObjectPtr promise = ctx_.promises.store().get(promise_);
  if (!rr || !promise) return kube::ReconcileResult{};
  if (kube::meta::label(*rr, api::kLabelPromiseName) != promise_) {
    // Every request carries its Promise's name, so Kratix's selectors find it (spec 2.2).
    auto labelled = ctx_.client.patch(api_, kube::meta::namespace_of(*rr), kube::meta::name(*rr), kube::PatchType::kMerge,
                                      {{"metadata", {{"labels", {{api::kLabelPromiseName, promise_}}}}}});
    if (!labelled && labelled.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(labelled.error());
    return kube::ReconcileResult{};
  }
  const GateInput in = gate_input(*rr, *promise);
  if (in.paused != GateInput::Paused::kNo) return hold(*rr, {.kind = Gate::Kind::kPaused}, in);  // deletion waits too
  if ((*rr)["metadata"].contains("deletionTimestamp")) return remove(*rr, *promise, in);
  return configure(*rr, *promise, in);
}

GateInput ResourceRequestReconciler::gate_input(const Json& rr, const Json& promise) const {
  GateInput in{.object = GateInput::Object::kResourceRequest,
               .interval = reconciliation_interval(promise, ctx_.config.reconciliation_interval),
               .reconcile_after_failure = ctx_.config.workflows.reconcile_after_failure, .now = std::chrono::system_clock::now()};
  if (has_label(promise, workflow::kLabelPaused)) in.paused = GateInput::Paused::kByPromise;
  else if (has_label(rr, workflow::kLabelPaused)) in.paused = GateInput::Paused::kItself;
  return in;
}

kube::Result<kube::ReconcileResult> ResourceRequestReconciler::hold(const Json& rr, const Gate& g, const GateInput& in) {
  const GateTarget target{.client = ctx_.client, .events = ctx_.events, .resource = api_,
                          .write_status = [&](const Json& status) { return write_status(rr, status); }};
  auto done = carry_out(target, rr, g, in);
  if (!done) return std::unexpected(done.error());
  return done->result;
}

workflow::WorkflowTarget ResourceRequestReconciler::target(const Json& rr, const Json& promise, WorkflowAction action,
                                                           std::vector<workflow::Pipeline> pipelines) const {
  workflow::WorkflowTarget t{.type = WorkflowType::kResource, .action = action, .promise = promise, .object = rr,
                             .api = {api_.group, api_.version, api_.kind, api_.plural, !api_.namespaced},
                             .pipelines = std::move(pipelines), .config = ctx_.config};
  if (!ctx_.adapter_image.empty()) t.adapter_image = ctx_.adapter_image;
  return t;
}

kube::Result<kube::ReconcileResult> ResourceRequestReconciler::configure(const Json& rr, const Json& promise,
                                                                         GateInput in) {
  const int64_t generation = kube::meta::generation(rr);
  Json status = rr.value("status", Json::object());
  if (!available(promise)) {
    status["message"] = ws::kMessagePending;
    api::set_condition(status, {.type = api::request::kPromiseAvailable, .status = false,
                                .reason = api::request::kReasonNotInstalled, .message = api::request::kMessageNotInstalled,
                                .observed_generation = generation});
    if (auto s = write_status(rr, status); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{.requeue_after = std::chrono::seconds(60)};
  }
  api::set_condition(status, {.type = api::request::kPromiseAvailable, .status = true, .reason = api::request::kReasonAvailable,
                              .message = api::request::kMessageAvailable, .observed_generation = generation});

  auto deletes = workflow::parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kDelete);
  std::vector<std::string> wanted = {api::request::kFinalizerWorkCleanup, api::request::kFinalizerWorkflowsCleanup,
                                     kFinalizerBindingCleanup};
  if (deletes && !deletes->empty()) wanted.insert(wanted.begin(), api::request::kFinalizerDeleteWorkflows);
  auto finalized = update_owned_finalizers(ctx_.client, api_, rr, kOwnedFinalizers, wanted);
  if (!finalized) return std::unexpected(finalized.error());
  if (*finalized) return kube::ReconcileResult{};  // the update wakes this request again

  auto bound = bind(rr, promise);
  if (!bound) return std::unexpected(bound.error());
  // The re-run interval is the bound revision's.
  in.interval = reconciliation_interval(bound->promise, ctx_.config.reconciliation_interval, bound->revision.get());
  auto pipelines = workflow::parse_workflow(bound->promise, WorkflowType::kResource, WorkflowAction::kConfigure);
  if (!pipelines) {
    fail(rr, "InvalidPipeline", pipelines.error().message);
    return kube::ReconcileResult{};  // a Promise change wakes every request
  }
  const Gate g = gate(rr, in);
  if (g.kind != Gate::Kind::kProceed) return hold(rr, g, in);
  auto t = target(rr, bound->promise, WorkflowAction::kConfigure, *pipelines);
  auto advanced = advance_configure(ctx_.client, runner_, api_, t, g);
  if (!advanced) return std::unexpected(advanced.error());
  if (advanced->behind) return kube::ReconcileResult{.requeue_after = std::chrono::milliseconds(500)};
  const workflow::WorkflowStep& step = advanced->step;
  const Decision& d = step.decision;
  const Json* before = api::find_condition(rr, ws::kConfigureCompleted);
  apply_workflow_decision(status, workflow::pipeline_names(*pipelines), d, generation);
  if (d.kind == Decision::Kind::kStart && !step.started.empty()) {
    ctx_.events.normal(rr, ws::kEventPipelineStarted, "Configure", "Configure Pipeline started: " + (*pipelines)[d.pipeline].name);
  }
  if (d.kind == Decision::Kind::kFailed && (!before || before->value("reason", "") != ws::kReasonFailed)) {
    ctx_.events.warning(rr, ws::kEventWorkflowFailed, "Configure",
                        "A resource/configure Pipeline has failed: " + (*pipelines)[d.pipeline].name);
  }
  if (d.kind == Decision::Kind::kCompleted) {
    const auto works = works_of(rr);
    if (auto s = runner_.delete_stale_works(t, works); !s) return std::unexpected(s.error());
    mark_reconciled(status, works_condition(works, api::request::kMessageWorksSucceeded, generation), generation);
  }
  if (auto s = report_version(rr, *bound, d, status); !s) return std::unexpected(s.error());
  if (auto s = write_status(rr, status, advanced->resource_version); !s) return std::unexpected(s.error());
  // A finished run comes round again when its periodic re-run is due; a running one is woken by its Jobs.
  if (auto due = until_rerun(Json{{"status", status}}, in)) return requeue_after_wait(*due);
  return kube::ReconcileResult{};
}

kube::Result<ResourceRequestReconciler::Bound> ResourceRequestReconciler::bind(const Json& rr, const Json& promise) {
  // A binding deleted by hand comes back at the version the request last ran with.
  std::string initial = kube::string_at(kube::child(rr, "status"), "resourceBindingVersion");
  if (initial.empty()) {
    initial = kBindingLatest;
    if (ctx_.config.resource_binding_version_strategy == workflow::BindingVersionStrategy::kPinned) {
      if (std::string latest = latest_version(ctx_.revisions, promise_); !latest.empty()) initial = latest;
    }
  }
  auto binding = ensure_binding(ctx_.client, ctx_.events, ctx_.bindings, promise_, rr, initial);
  if (!binding) return std::unexpected(binding.error());
  const std::string version = kube::string_at(kube::child(*binding, "spec"), "version");
  auto revision = select_revision(ctx_.revisions, promise_, version.empty() ? kBindingLatest : version);
  if (!revision) {
    ctx_.events.warning(rr, "FailedPromiseRevisionLookup", "Configure", revision.error().message);
    return std::unexpected(revision.error());
  }
  Json effective = promise;
  effective["spec"] = kube::child(kube::child(**revision, "spec"), "promiseSpec");
  return Bound{.binding = std::move(*binding), .revision = *revision, .promise = std::move(effective),
               .version = kube::string_at(kube::child(**revision, "spec"), "version")};
}

kube::Status ResourceRequestReconciler::report_version(const Json& rr, const Bound& bound, const Decision& d, Json& status) const {
  if (d.kind == Decision::Kind::kFailed) {
    const Json holder = {{"status", status}};  // find_condition points into it
    const Json* failed = api::find_condition(holder, ws::kConfigureCompleted);
    return report_upgrade(ctx_.client, bound.binding, bound.version, UpgradeState::kFailed, failed ? failed->value("message", "") : "");
  }
  if (d.kind != Decision::Kind::kCompleted) return report_upgrade(ctx_.client, bound.binding, bound.version, UpgradeState::kRunning);
  const std::string binding_version = kube::string_at(kube::child(bound.binding, "spec"), "version");
  const std::string before = kube::string_at(kube::child(rr, "status"), "resourceBindingVersion");
  if (!before.empty() && before != binding_version) {
    ctx_.events.normal(rr, "ResourceBindingVersionUpdated", "Configure", "Resource binding version updated to " + binding_version);
  }
  if (kube::string_at(kube::child(rr, "status"), "promiseVersion") != bound.version) {
    ctx_.events.normal(rr, "ReconcileSucceeded", "Configure",
                       "Resource request reconciled with promise " + promise_ + " version " + bound.version);
  }
  status["promiseVersion"] = bound.version;
  status["resourceBindingVersion"] = binding_version;
  return report_upgrade(ctx_.client, bound.binding, bound.version, UpgradeState::kCompleted);
}

kube::Result<kube::ReconcileResult> ResourceRequestReconciler::remove(const Json& rr, const Json& promise,
                                                                      const GateInput& in) {
  const std::vector<std::string>& owned = kOwnedFinalizers;
  auto finish = [&](const char* done) -> kube::Result<kube::ReconcileResult> {
    std::vector<std::string> rest;
    for (const auto& f : owned) {
      if (f != done && kube::meta::has_finalizer(rr, f)) rest.push_back(f);
    }
    if (auto s = set_owned_finalizers(ctx_.client, api_, rr, owned, rest); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  };
  if (kube::meta::has_finalizer(rr, api::request::kFinalizerDeleteWorkflows)) {
    auto deletes = workflow::parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kDelete);
    if (!deletes || deletes->empty()) return finish(api::request::kFinalizerDeleteWorkflows);
    const DeleteWorkflowContext delete_ctx{
        .client = ctx_.client, .runner = runner_, .events = ctx_.events, .resource = api_,
        .write_status = [&](const Json& status, const std::string& rv) { return write_status(rr, status, rv); }};
    auto waiting = run_delete_workflow(delete_ctx, target(rr, promise, WorkflowAction::kDelete, *deletes), in);
    if (!waiting) return std::unexpected(waiting.error());
    if (*waiting) return **waiting;  // the request keeps its Works while its delete pipeline runs or is held
    return finish(api::request::kFinalizerDeleteWorkflows);
  }
  if (kube::meta::has_finalizer(rr, api::request::kFinalizerWorkCleanup)) {
    // The Works go first, and with them (their own finalizers) their WorkPlacements and files.
    auto works = works_of(rr);
    for (const auto& w : works) {
      if ((*w)["metadata"].contains("deletionTimestamp")) continue;
      auto gone = ctx_.client.remove(api::works(), kube::meta::namespace_of(*w), kube::meta::name(*w));
      if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
    }
    if (!works.empty()) return kube::ReconcileResult{.requeue_after = std::chrono::seconds(1)};
    return finish(api::request::kFinalizerWorkCleanup);
  }
  if (kube::meta::has_finalizer(rr, api::request::kFinalizerWorkflowsCleanup)) {
    for (auto action : {WorkflowAction::kConfigure, WorkflowAction::kDelete}) {
      if (auto s = runner_.delete_jobs(target(rr, promise, action, {})); !s) return std::unexpected(s.error());
    }
    return finish(api::request::kFinalizerWorkflowsCleanup);
  }
  if (kube::meta::has_finalizer(rr, kFinalizerBindingCleanup)) {
    // From the API server, not the cache: a binding made moments ago must not be left behind.
    auto bindings = ctx_.client.list(api::resource_bindings(), kube::meta::namespace_of(rr),
                                     {.label_selector = std::string(api::kLabelPromiseName) + "=" + promise_ + "," +
                                                        api::kLabelResourceName + "=" + kube::meta::name(rr)});
    if (!bindings) return std::unexpected(bindings.error());
    for (const auto& b : bindings->items) {
      auto gone = ctx_.client.remove(api::resource_bindings(), kube::meta::namespace_of(b), kube::meta::name(b));
      if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
    }
    return finish(kFinalizerBindingCleanup);
  }
  return kube::ReconcileResult{};
}

std::vector<kube::ObjectPtr> ResourceRequestReconciler::works_of(const Json& rr) const {
  return ctx_.works.store().by_index(RequestPlacementReporter::kRequestIndex,
                                     promise_ + "/" + kube::meta::namespace_of(rr) + "/" + kube::meta::name(rr));
}

kube::Status ResourceRequestReconciler::write_status(const Json& rr, const Json& status, const std::string& resource_version) const {
  const Json current = rr.value("status", Json::object());
  Json patch = Json::object();
  for (const char* key : kOwnedStatus) {
    const Json now = status.value(key, Json());
    if (current.value(key, Json()) != now) patch[key] = now;
  }
  const Json workflows = kube::merge_patch_between(kube::child(kube::child(current, "kratix"), "workflows"),
                                                   kube::child(kube::child(status, "kratix"), "workflows"));
  if (!workflows.empty()) patch["kratix"]["workflows"] = workflows;
  if (patch.empty()) return {};
  auto written = ctx_.client.patch(api_, kube::meta::namespace_of(rr), kube::meta::name(rr), kube::PatchType::kMerge,
                                   {{"metadata", {{"resourceVersion", resource_version.empty() ? kube::meta::resource_version(rr)
                                                                                                : resource_version}}},
                                    {"status", patch}},
                                   {.subresource = "status"});
  if (!written && written.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(written.error());
  return {};
}

void ResourceRequestReconciler::fail(const Json& rr, const std::string& reason, const std::string& message) const {
  kube::log::warn("resource request cannot run its workflow",
                  {{"request", kube::meta::key(rr)}, {"promise", promise_}, {"error", message}});
  ctx_.events.warning(rr, reason, "Configure", message);
  Json status = rr.value("status", Json::object());
  status["message"] = message;
  api::set_condition(status, {.type = ws::kReconciled, .status = false, .reason = reason, .message = ws::kMessageFailing,
                              .observed_generation = kube::meta::generation(rr)});
  if (auto s = write_status(rr, status); !s) {
    kube::log::warn("could not report on resource request", {{"request", kube::meta::key(rr)}, {"error", s.error().to_string()}});
  }
}

}  // namespace pave::platform
