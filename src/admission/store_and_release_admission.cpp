// The BucketStateStore, PromiseRelease and PromiseRevision webhooks (kratix-spec.md 1.2, 1.3, 1.7).
#include "admission/checks.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "platform/promise_source.h"

namespace pave::admission {
namespace {

using kube::AdmissionResponse;
using kube::Json;

// Kratix's controllers run as ServiceAccounts of kratix-platform-system; the garbage collector deletes
// what an owner's deletion leaves.
bool kratix_controller(const CheckContext& context, const std::string& user) {
  return user.starts_with("system:serviceaccount:kratix-platform-system:") ||
         user == "system:serviceaccount:kube-system:generic-garbage-collector" ||
         (!context.own_username.empty() && user == context.own_username);
}

Json interval_annotation(const Json& object) {
  const Json& annotations = kube::child(kube::child(object, "metadata"), "annotations");
  return annotations.is_object() ? annotations.value(kReconciliationIntervalAnnotation, Json()) : Json();
}

}  // namespace

AdmissionResponse validate_bucket_state_store(const CheckContext&, const kube::AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return AdmissionResponse::allow();
  const Json& spec = kube::child(request.object, "spec");
  const std::string method = kube::string_at(spec, "authMethod");
  if (!method.empty() && method != "accessKey") return AdmissionResponse::allow();
  const Json& ref = kube::child(spec, "secretRef");
  if (!spec.contains("secretRef") || !ref.is_object()) return AdmissionResponse::deny("spec.secretRef must be set when using authentication method accessKey");
  if (kube::string_at(ref, "name").empty()) return AdmissionResponse::deny("spec.secretRef must contain secret name");
  if (kube::string_at(ref, "namespace").empty()) return AdmissionResponse::deny("spec.secretRef must contain secret namespace");
  return AdmissionResponse::allow();
}

AdmissionResponse validate_promise_release(const CheckContext&, const kube::AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return AdmissionResponse::allow();
  const Json& release = request.object;
  if (kube::meta::deleting(release)) return AdmissionResponse::allow();
  const Json& spec = kube::child(release, "spec");
  const std::string url = kube::string_at(kube::child(spec, "sourceRef"), "url");
  if (url.empty()) return AdmissionResponse::deny("sourceRef.url must be set");
  if (request.operation != "CREATE") return AdmissionResponse::allow();
  // Kratix's webhook also fetches with the release's Secret. Pave's does not: the webhook cannot tell the
  // API server from anyone else who reaches its port, and a forged review would have Pave read any Secret
  // and send it to any URL. The controller fetches with the Secret and reports on the release.
  if (!kube::string_at(kube::child(kube::child(spec, "sourceRef"), "secretRef"), "name").empty()) {
    return AdmissionResponse::allow();
  }
  auto promise = platform::fetch_promise(url, "");
  if (!promise) return AdmissionResponse::deny("failed to fetch promise: " + promise.error().message);
  const std::string found = kube::meta::label(*promise, api::kLabelPromiseVersion);
  const std::string wanted = kube::string_at(spec, "version");
  if (found.empty()) {
    return AdmissionResponse::allow({"Warning: version label (kratix.io/promise-version) not found on promise, installation will fail"});
  }
  if (found != wanted) {
    return AdmissionResponse::allow(
        {"Warning: version labels do not match, found: " + found + ", expected: " + wanted + ", installation will fail"});
  }
  return AdmissionResponse::allow();
}

AdmissionResponse validate_promise_revision(const CheckContext& context, const kube::AdmissionRequest& request) {
  if (request.operation == "DELETE") {
    const bool latest = kube::child(kube::child(request.old_object, "status"), "latest") == Json(true);
    if (latest && !kratix_controller(context, request.username)) return AdmissionResponse::deny("can not delete the latest PromiseRevision");
    return AdmissionResponse::allow();
  }
  // On update only a changed annotation is checked, so a value from before a stricter rule keeps working.
  if (request.operation == "UPDATE" && interval_annotation(request.old_object) == interval_annotation(request.object)) {
    return AdmissionResponse::allow();
  }
  if (std::string problem = interval_annotation_problem(request.object); !problem.empty()) return AdmissionResponse::deny(problem);
  return AdmissionResponse::allow();
}

}  // namespace pave::admission
