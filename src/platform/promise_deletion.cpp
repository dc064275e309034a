// Deleting a Promise (kratix-spec.md 2.7): its finalizers are worked off in Kratix's order, one per
// reconcile, each step repeated until its work is done and only then its finalizer removed.
#include "kube/log.h"
#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/delete_workflow.h"
#include "platform/finalizers.h"
#include "platform/promise_reconciler.h"
#include "platform/request_placement_reporter.h"
#include "platform/requirements.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;
using workflow::Decision;
using workflow::WorkflowAction;
using workflow::WorkflowType;
namespace pr = api::promise;

const std::vector<std::string> kOrder = {pr::kFinalizerDeleteWorkflows, pr::kFinalizerWorkflowsCleanup,
                                         pr::kFinalizerResourceRequests, pr::kFinalizerRevisions,
                                         pr::kFinalizerDynamicResources, pr::kFinalizerDependencies, pr::kFinalizerCrd};

// Deletes every object of r labelled with the promise, in every namespace.
kube::Status delete_all(const kube::Client& client, const kube::Resource& r, const std::string& selector) {
  auto all = client.list_all(r, "", {.label_selector = selector});
  if (!all) return std::unexpected(all.error());
  for (const auto& o : all->items) {
    auto gone = client.remove(r, kube::meta::namespace_of(o), kube::meta::name(o), {.propagation_policy = "Background"});
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return gone;
  }
  return {};
}

}  // namespace

kube::Result<kube::ReconcileResult> PromiseReconciler::remove(const Json& promise, const GateInput& in) {
  if (auto s = release_requirements(promise); !s) return std::unexpected(s.error());
  for (const auto& finalizer : kOrder) {
    if (!kube::meta::has_finalizer(promise, finalizer)) continue;
    kube::Result<bool> done = true;
    if (finalizer == pr::kFinalizerDeleteWorkflows) {
      auto waiting = run_delete_workflow(promise, in);
      if (!waiting) return std::unexpected(waiting.error());
      if (*waiting) return **waiting;  // held, running or failed: the Promise keeps everything meanwhile
    } else if (finalizer == pr::kFinalizerWorkflowsCleanup) {
      auto s = runner_.delete_jobs(target(promise, WorkflowAction::kConfigure, {}));
      if (s) s = runner_.delete_jobs(target(promise, WorkflowAction::kDelete, {}));
      if (!s) done = std::unexpected(s.error());
    } else if (finalizer == pr::kFinalizerResourceRequests) done = delete_requests(promise);
    else if (finalizer == pr::kFinalizerRevisions) {
      auto s = delete_all(client_, api::promise_revisions(), std::string(api::kLabelPromiseName) + "=" + kube::meta::name(promise));
      if (!s && s.error().kind != kube::ErrorKind::kNotFound) done = std::unexpected(s.error());
    } else if (finalizer == pr::kFinalizerDynamicResources) {
      requests_.stop(kube::meta::name(promise));
      done = delete_labelled(promise);
    } else if (finalizer == pr::kFinalizerDependencies) done = delete_works(promise);
    else if (finalizer == pr::kFinalizerCrd) done = delete_crd(promise);
    if (!done) return std::unexpected(done.error());
    if (!*done) return kube::ReconcileResult{.requeue_after = std::chrono::seconds(1)};
    std::vector<std::string> rest;
    for (const auto& f : kOrder) {
      if (f != finalizer && kube::meta::has_finalizer(promise, f)) rest.push_back(f);
    }
    if (auto s = set_owned_finalizers(client_, api::promises(), promise, kOrder, rest); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};  // the update wakes it for the next step
  }
  return kube::ReconcileResult{};
}

kube::Result<std::optional<kube::ReconcileResult>> PromiseReconciler::run_delete_workflow(const Json& promise,
                                                                                          const GateInput& in) {
  auto pipelines = workflow::parse_workflow(promise, WorkflowType::kPromise, WorkflowAction::kDelete);
  if (!pipelines || pipelines->empty()) return std::nullopt;
  const DeleteWorkflowContext ctx{
      .client = client_, .runner = runner_, .events = events_, .resource = api::promises(),
      .write_status = [&](const Json& status, const std::string& rv) { return write_status(promise, status, rv); }};
  return platform::run_delete_workflow(ctx, target(promise, WorkflowAction::kDelete, *pipelines), in);
}

kube::Status PromiseReconciler::release_requirements(const Json& promise) const {
  // Promises this one required no longer list it in status.requiredBy (Kratix leaves the entry behind).
  for (const auto& name : required_names(promise)) {
    kube::ObjectPtr other = promises_.store().get(name);
    if (!other) continue;
    const Json list = required_by(*other, promise, "", true);
    if (list == kube::child(kube::child(*other, "status"), "requiredBy")) continue;
    auto written = client_.patch(api::promises(), "", name, kube::PatchType::kMerge,
                                 {{"metadata", {{"resourceVersion", kube::meta::resource_version(*other)}}},
                                  {"status", {{"requiredBy", list}}}},
                                 {.subresource = "status"});
    if (!written && written.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(written.error());
  }
  return {};
}

kube::Result<bool> PromiseReconciler::delete_requests(const Json& promise) const {
  auto api = request_resource(promise);
  if (!api) return true;
  auto all = client_.list_all(*api, "");
  if (!all && all.error().kind == kube::ErrorKind::kNotFound) return true;  // the CRD is gone already
  if (!all) return std::unexpected(all.error());
  for (const auto& rr : all->items) {
    if (rr["metadata"].contains("deletionTimestamp")) continue;
    auto gone = client_.remove(*api, kube::meta::namespace_of(rr), kube::meta::name(rr), {.propagation_policy = "Background"});
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
  }
  // Their own finalizers (delete pipelines, Works, Jobs) run in their controller before they go.
  return all->items.empty();
}

kube::Result<bool> PromiseReconciler::delete_labelled(const Json& promise) const {
  const std::string selector = std::string(api::kLabelPromiseName) + "=" + kube::meta::name(promise);
  for (const auto& r : {kube::resources::cluster_role_bindings(), kube::resources::cluster_roles(),
                        kube::resources::role_bindings(), kube::resources::roles(),
                        kube::resources::service_accounts(), kube::resources::configmaps()}) {
    if (auto s = delete_all(client_, r, selector); !s) return std::unexpected(s.error());
  }
  return true;
}

kube::Result<bool> PromiseReconciler::delete_works(const Json& promise) const {
  const std::string selector = std::string(api::kLabelPromiseName) + "=" + kube::meta::name(promise);
  auto all = client_.list_all(api::works(), "", {.label_selector = selector});
  if (!all) return std::unexpected(all.error());
  for (const auto& w : all->items) {
    if (w["metadata"].contains("deletionTimestamp")) continue;
    auto gone = client_.remove(api::works(), kube::meta::namespace_of(w), kube::meta::name(w));
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
  }
  // Each Work's own finalizer takes its WorkPlacements, and so its files, with it.
  return all->items.empty();
}

kube::Result<bool> PromiseReconciler::delete_crd(const Json& promise) const {
  const Json& crd = kube::child(kube::child(promise, "spec"), "api");
  const std::string name = kube::child(kube::child(crd, "metadata"), "name").is_string()
                               ? kube::child(kube::child(crd, "metadata"), "name").get<std::string>() : "";
  if (name.empty()) return true;
  auto gone = client_.remove(kube::resources::custom_resource_definitions(), "", name);
  if (gone) return false;  // the API server removes the CRD's objects first: done once it is gone
  if (gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
  return true;
}

}  // namespace pave::platform
