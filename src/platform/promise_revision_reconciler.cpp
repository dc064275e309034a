#include "platform/promise_revision_reconciler.h"

#include "api/kratix.h"
#include "kube/log.h"
#include "kube/object.h"
#include "platform/finalizers.h"
#include "platform/promise_revisions.h"
#include "platform/request_placement_reporter.h"
#include "platform/resource_bindings.h"

namespace pave::platform {
namespace {

using kube::Json;

constexpr const char* kRequestCleanupFinalizer = "kratix.io/resource-request-cleanup";
constexpr const char* kSkipCleanup = "kratix.io/skip-resource-request-cleanup-on-delete";

std::string promise_of(const Json& o) { return kube::string_at(kube::child(kube::child(o, "spec"), "promiseRef"), "name"); }

}  // namespace

PromiseRevisionReconciler::PromiseRevisionReconciler(kube::Client client, const kube::Informer& revisions,
                                                     const kube::Informer& promises, const kube::Informer& bindings,
                                                     kube::EventRecorder& events)
    : client_(std::move(client)), revisions_(revisions), promises_(promises), bindings_(bindings), events_(events) {}

std::vector<kube::Request> PromiseRevisionReconciler::revision_pinned_by(const Json& binding) const {
  const std::string version = kube::string_at(kube::child(binding, "spec"), "version");
  if (version.empty() || version == kBindingLatest) return {};
  return {{"", revision_name(promise_of(binding), version)}};
}

kube::Result<kube::ReconcileResult> PromiseRevisionReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr revision = revisions_.store().get(request.key());
  if (!revision) return kube::ReconcileResult{};
  if (kube::meta::deleting(*revision)) return remove(*revision);
  auto finalized = update_owned_finalizers(client_, api::promise_revisions(), *revision, {kRequestCleanupFinalizer}, {kRequestCleanupFinalizer});
  if (!finalized) return std::unexpected(finalized.error());
  return kube::ReconcileResult{};
}

kube::Result<kube::ReconcileResult> PromiseRevisionReconciler::remove(const Json& revision) {
  if (!kube::meta::has_finalizer(revision, kRequestCleanupFinalizer)) return kube::ReconcileResult{};
  const std::string promise_name = promise_of(revision);
  const std::string version = kube::string_at(kube::child(revision, "spec"), "version");
  kube::ObjectPtr promise = promises_.store().get(promise_name);
  auto api = promise ? request_resource(*promise) : std::nullopt;
  // Without its Promise (or its API) the requests go with the Promise itself.
  const bool skip = kube::meta::annotations(revision)[kSkipCleanup] == "true" || !api;
  size_t waiting = 0;
  for (const auto& b : bindings_.store().list()) {
    if (skip || promise_of(*b) != promise_name || kube::string_at(kube::child(*b, "spec"), "version") != version) continue;
    ++waiting;
    const Json& ref = kube::child(kube::child(*b, "spec"), "resourceRef");
    const std::string ns = kube::string_at(ref, "namespace").empty() ? kube::meta::namespace_of(*b) : kube::string_at(ref, "namespace");
    const std::string name = kube::string_at(ref, "name");
    auto rr = client_.get(*api, ns, name);
    if (!rr && rr.error().kind == kube::ErrorKind::kNotFound) {
      // A binding made ahead of its request, or left by one: it pins a version that is going away.
      auto gone = client_.remove(api::resource_bindings(), kube::meta::namespace_of(*b), kube::meta::name(*b));
      if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
      continue;
    }
    if (!rr) return std::unexpected(rr.error());
    if (kube::meta::deleting(*rr)) continue;
    auto gone = client_.remove(*api, ns, name, {.precondition_uid = kube::meta::uid(*rr)});
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
    events_.normal(revision, "ResourceRequestDeleted", "Delete",
                   "Deleted " + api->kind + " " + ns + "/" + name + " pinned to version " + version);
  }
  // The requests' bindings go with them; each going wakes this revision.
  if (waiting > 0) return kube::ReconcileResult{.requeue_after = std::chrono::seconds(5)};
  if (auto s = set_owned_finalizers(client_, api::promise_revisions(), revision, {kRequestCleanupFinalizer}, {}); !s) return std::unexpected(s.error());
  return kube::ReconcileResult{};
}

}  // namespace pave::platform
