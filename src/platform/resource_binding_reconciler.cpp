#include "platform/resource_binding_reconciler.h"

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/log.h"
#include "kube/object.h"
#include "platform/promise_revisions.h"
#include "platform/request_placement_reporter.h"
#include "platform/resource_bindings.h"
#include "workflow/labels.h"

namespace pave::platform {

using kube::Json;

ResourceBindingReconciler::ResourceBindingReconciler(kube::Client client, const kube::Informer& bindings,
                                                     const kube::Informer& promises, const kube::Informer& revisions)
    : client_(std::move(client)), bindings_(bindings), promises_(promises), revisions_(revisions) {}

std::vector<kube::Request> ResourceBindingReconciler::bindings_of(const std::string& promise) const {
  std::vector<kube::Request> out;
  for (const auto& b : bindings_.store().list()) {
    if (kube::string_at(kube::child(kube::child(*b, "spec"), "promiseRef"), "name") == promise) {
      out.push_back({kube::meta::namespace_of(*b), kube::meta::name(*b)});
    }
  }
  return out;
}

kube::Result<kube::ReconcileResult> ResourceBindingReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr binding = bindings_.store().get(request.key());
  if (!binding || kube::meta::deleting(*binding)) return kube::ReconcileResult{};
  const Json& spec = kube::child(*binding, "spec");
  const std::string promise_name = kube::string_at(kube::child(spec, "promiseRef"), "name");
  kube::ObjectPtr promise = promises_.store().get(promise_name);
  // A binding made ahead of its Promise: the Promise's first revision wakes it.
  if (!promise) return kube::ReconcileResult{};
  auto api = request_resource(*promise);
  if (!api) return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound, "failed to get gvk for promise " + promise_name));
  const Json& ref = kube::child(spec, "resourceRef");
  auto rr = client_.get(*api, kube::string_at(ref, "namespace"), kube::string_at(ref, "name"));
  if (!rr && rr.error().kind == kube::ErrorKind::kNotFound) {
    // Pre-created for a request that is not there yet: its creation runs it at this version.
    return kube::ReconcileResult{};
  }
  if (!rr) return std::unexpected(rr.error());
  const std::string current = kube::string_at(kube::child(*rr, "status"), "promiseVersion");
  if (current.empty() || current == kVersionNotSet) return kube::ReconcileResult{};

  std::string desired = kube::string_at(spec, "version");
  if (desired == kBindingLatest) desired = latest_version(revisions_, promise_name);
  if (desired.empty()) return kube::ReconcileResult{.requeue_after = std::chrono::seconds(5)};  // no latest revision yet

  const bool manual = kube::meta::label(*binding, workflow::kLabelManualReconciliation) == "true";
  const Json* condition = api::find_condition(*binding, kUpgradeSucceeded);
  const std::string failed = kube::string_at(kube::child(*binding, "status"), "failedVersion");
  if (!manual) {
    if (current == desired) return kube::ReconcileResult{};
    // A failed upgrade waits for a new version or a manual re-run rather than failing again and again.
    if (condition && condition->value("status", "") == "False" && failed == desired) return kube::ReconcileResult{};
  }
  if (manual || in_flight_version(*binding) != desired) {
    auto labelled = client_.patch(*api, kube::meta::namespace_of(*rr), kube::meta::name(*rr), kube::PatchType::kMerge,
                                  {{"metadata", {{"labels", {{workflow::kLabelManualReconciliation, "true"}}}}}});
    if (!labelled) return std::unexpected(labelled.error());
  }
  std::string resource_version = kube::meta::resource_version(*binding);
  if (manual) {
    auto unlabelled = client_.patch(api::resource_bindings(), request.namespace_, request.name, kube::PatchType::kMerge,
                                    {{"metadata", {{"labels", {{workflow::kLabelManualReconciliation, nullptr}}},
                                                   {"resourceVersion", resource_version}}}});
    if (!unlabelled) return std::unexpected(unlabelled.error());
    resource_version = kube::meta::resource_version(*unlabelled);
  }
  Json status = kube::child(*binding, "status");  // {} when there is none
  api::set_condition(status, upgrade_in_progress(desired, manual, kube::meta::generation(*binding)));
  status["failedVersion"] = "";
  if (status == kube::child(*binding, "status")) return kube::ReconcileResult{};
  // Over the binding as read: a concurrent report from the request reconciler makes this a conflict, retried.
  auto written = client_.patch(api::resource_bindings(), request.namespace_, request.name, kube::PatchType::kMerge,
                               {{"metadata", {{"resourceVersion", resource_version}}}, {"status", status}},
                               {.subresource = "status"});
  if (!written) return std::unexpected(written.error());
  kube::log::info("resource request upgrade started", {{"binding", request.key()}, {"from", current}, {"to", desired}});
  return kube::ReconcileResult{};
}

}  // namespace pave::platform
