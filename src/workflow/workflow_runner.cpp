#include "workflow/workflow_runner.h"

#include <algorithm>

#include "kube/log.h"
#include "kube/object.h"
#include "api/kratix.h"
#include "workflow/hash.h"
#include "workflow/labels.h"

namespace pave::workflow {
namespace {

using kube::Json;

std::string object_label(const Json& object, const char* key) {
  auto labels = kube::meta::labels(object);
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

}  // namespace

std::string WorkflowRunner::jobs_namespace(const WorkflowTarget& target) const {
  PipelineRun run{.type = target.type, .action = target.action, .promise = target.promise, .object = target.object,
                  .pipeline_namespace = configured_pipeline_namespace(target.promise)};
  return pipeline_namespace(run);
}

std::string WorkflowRunner::label_selector(const WorkflowTarget& target) const {
  std::string s = std::string(api::kLabelPromiseName) + "=" + kube::meta::name(target.promise) + "," +
                  kLabelWorkflowType + "=" + std::string(to_string(target.type)) + "," + kLabelWorkflowAction + "=" +
                  std::string(to_string(target.action));
  if (target.type == WorkflowType::kResource) {
    s += std::string(",") + api::kLabelResourceName + "=" + kube::meta::name(target.object);
    // Jobs of requests of one name in several namespaces share a pipeline namespace: the label tells them apart.
    if (!configured_pipeline_namespace(target.promise).empty()) {
      s += std::string(",") + api::kLabelResourceNamespace + "=" + kube::meta::namespace_of(target.object);
    }
  }
  return s;
}

kube::Result<std::vector<Json>> WorkflowRunner::jobs(const WorkflowTarget& target) const {
  auto list = client_.list_all(kube::resources::jobs(), jobs_namespace(target), {.label_selector = label_selector(target)});
  if (!list) return std::unexpected(list.error());
  return std::move(list->items);
}

kube::Result<WorkflowStep> WorkflowRunner::plan(const WorkflowTarget& target) const {
  auto all = jobs(target);
  if (!all) return std::unexpected(all.error());
  WorkflowStep step{.ns = jobs_namespace(target)};
  for (const auto& j : *all) step.jobs.push_back(job_view(j));
  const std::vector<std::string> names = pipeline_names(target.pipelines);
  if (names.empty()) {
    step.decision = {.kind = Decision::Kind::kCompleted};
    return step;
  }
  step.decision = decide(names, workflow_hash(target.type, target.promise, target.object), step.jobs, target.options);
  return step;
}

kube::Status WorkflowRunner::take(const WorkflowTarget& target, WorkflowStep& step) const {
  if (target.pipelines.empty()) return {};
  if (!step.decision.suspend.empty()) {
    // A manual re-run stops the Job in flight rather than waiting for it (Kratix suspends it).
    auto suspended = client_.patch(kube::resources::jobs(), step.ns, step.decision.suspend, kube::PatchType::kMerge,
                                   {{"spec", {{"suspend", true}}}});
    if (!suspended && suspended.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(suspended.error());
  }
  if (step.decision.kind == Decision::Kind::kStart) return start(target, step.decision.pipeline, step);
  if (step.decision.kind == Decision::Kind::kCompleted || step.decision.kind == Decision::Kind::kFailed) {
    // A finished run, whichever way it ended, keeps only the newest Jobs of each pipeline (spec 2.5).
    for (const auto& name : jobs_to_prune(step.jobs, static_cast<size_t>(target.config.number_of_jobs_to_keep))) {
      auto gone = client_.remove(kube::resources::jobs(), step.ns, name, {.propagation_policy = "Background"});
      if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
    }
  }
  return {};
}

kube::Status WorkflowRunner::start(const WorkflowTarget& target, size_t index, WorkflowStep& step) const {
  PipelineRun run{.type = target.type, .action = target.action, .promise = target.promise, .object = target.object,
                  .api = target.api, .index = index, .count = target.pipelines.size(), .pipeline = target.pipelines[index],
                  .hash = workflow_hash(target.type, target.promise, target.object),
                  .pipeline_namespace = configured_pipeline_namespace(target.promise),
                  .adapter_image = target.adapter_image, .config = target.config};
  auto objects = build_pipeline_objects(run);
  if (!objects) return std::unexpected(objects.error());
  if (auto s = delete_stale_permissions(run, *objects); !s) return s;
  if (auto s = apply_objects(*objects); !s) return s;
  auto job = client_.create(kube::resources::jobs(), objects->ns, objects->job);
  if (!job) return std::unexpected(job.error());
  step.started = kube::meta::name(*job);
  kube::log::info("pipeline started", {{"promise", kube::meta::name(target.promise)}, {"object", kube::meta::key(target.object)},
                                       {"pipeline", run.pipeline.name}, {"job", step.started}});
  return {};
}

kube::Status WorkflowRunner::delete_stale_permissions(const PipelineRun& run, const PipelineObjects& o) const {
  // The objects made from this pipeline's rbac.permissions carry these labels (pipeline_rbac.cpp); any
  // the pipeline no longer asks for go before its Job runs (spec 3.4). Once per process and permission
  // set: unchanged permissions cannot have left stale objects since.
  std::string wanted;
  for (const auto* list : {&o.roles, &o.role_bindings, &o.cluster_roles, &o.cluster_role_bindings}) {
    for (const auto& obj : *list) wanted += obj.value("kind", "") + "/" + kube::meta::key(obj) + "\n";
  }
  const std::string key = o.ns + "/" + o.pipeline_id;
  {
    std::lock_guard lock(permissions_mu_);
    if (auto it = checked_permissions_.find(key); it != checked_permissions_.end() && it->second == wanted) return {};
  }
  const std::string selector = std::string(api::kLabelPromiseName) + "=" + kube::meta::name(run.promise) + "," +
                               kLabelWorkflowType + "=" + std::string(to_string(run.type)) + "," + kLabelWorkflowAction +
                               "=" + std::string(to_string(run.action)) + "," + api::kLabelPipelineName + "=" +
                               run.pipeline.name + "," + kLabelPipelineNamespace + "=" + o.ns;
  for (const auto& r : {kube::resources::roles(), kube::resources::role_bindings(), kube::resources::cluster_roles(),
                        kube::resources::cluster_role_bindings()}) {
    auto existing = client_.list_all(r, "", {.label_selector = selector});
    if (!existing) return std::unexpected(existing.error());
    for (const auto& obj : existing->items) {
      if (wanted.find(r.kind + "/" + kube::meta::key(obj) + "\n") != std::string::npos) continue;
      auto gone = client_.remove(r, kube::meta::namespace_of(obj), kube::meta::name(obj));
      if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return gone;
      kube::log::info("removed a permission the pipeline no longer asks for",
                      {{"kind", r.kind}, {"object", kube::meta::key(obj)}, {"pipeline", run.pipeline.name}});
    }
  }
  std::lock_guard lock(permissions_mu_);
  checked_permissions_[key] = wanted;
  return {};
}

kube::Status WorkflowRunner::apply_objects(const PipelineObjects& o) const {
  if (!o.service_account.is_null()) {
    if (o.user_service_account) {
      // The pipeline names its own ServiceAccount: made when missing, never changed when it is the user's.
      auto existing = client_.get(kube::resources::service_accounts(), o.ns, kube::meta::name(o.service_account));
      if (!existing && existing.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(existing.error());
      const bool ours = existing && !object_label(*existing, api::kLabelPromiseName).empty();
      if (!existing || ours) {
        if (auto s = create_or_update(kube::resources::service_accounts(), o.service_account); !s) return s;
      }
    } else if (auto s = create_or_update(kube::resources::service_accounts(), o.service_account); !s) {
      return s;
    }
  }
  if (o.config_map) {
    if (auto s = create_or_update(kube::resources::configmaps(), *o.config_map); !s) return s;
  }
  for (const auto& r : o.roles) {
    if (auto s = create_or_update(kube::resources::roles(), r); !s) return s;
  }
  for (const auto& r : o.role_bindings) {
    if (auto s = create_or_update(kube::resources::role_bindings(), r); !s) return s;
  }
  for (const auto& r : o.cluster_roles) {
    if (auto s = create_or_update(kube::resources::cluster_roles(), r); !s) return s;
  }
  for (const auto& r : o.cluster_role_bindings) {
    if (auto s = create_or_update(kube::resources::cluster_role_bindings(), r); !s) return s;
  }
  return {};
}

kube::Status WorkflowRunner::create_or_update(const kube::Resource& r, const Json& object) const {
  // Server-side apply updates in place (Kratix does not recreate these on re-runs) and creates when missing.
  auto applied = client_.apply(r, object, {.field_manager = field_manager_, .force = true});
  if (!applied) return std::unexpected(applied.error());
  return {};
}

kube::Status WorkflowRunner::delete_stale_works(const WorkflowTarget& target, const std::vector<kube::ObjectPtr>& works) const {
  for (const auto& w : works) {
    const std::string pipeline = object_label(*w, api::kLabelPipelineName);
    const bool current = std::any_of(target.pipelines.begin(), target.pipelines.end(),
                                     [&](const Pipeline& p) { return p.name == pipeline; });
    if (current || (*w)["metadata"].contains("deletionTimestamp")) continue;
    auto gone = client_.remove(api::works(), kube::meta::namespace_of(*w), kube::meta::name(*w));
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return gone;
    kube::log::info("removed the Work of a pipeline that is gone", {{"work", kube::meta::key(*w)}, {"pipeline", pipeline}});
  }
  return {};
}

kube::Result<bool> WorkflowRunner::is_current(const kube::Resource& r, const Json& object) const {
  auto live = client_.get(r, kube::meta::namespace_of(object), kube::meta::name(object));
  if (!live && live.error().kind == kube::ErrorKind::kNotFound) return false;
  if (!live) return std::unexpected(live.error());
  return kube::meta::resource_version(*live) == kube::meta::resource_version(object);
}

kube::Status WorkflowRunner::delete_jobs(const WorkflowTarget& target) const {
  auto all = jobs(target);
  if (!all) return std::unexpected(all.error());
  for (const auto& j : *all) {
    auto gone = client_.remove(kube::resources::jobs(), kube::meta::namespace_of(j), kube::meta::name(j),
                               {.propagation_policy = "Background"});
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return gone;
  }
  return {};
}

}  // namespace pave::workflow
