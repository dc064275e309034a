// The Destination webhooks (kratix-spec.md 1.5; Kratix's mdestination.kb.io and vdestination.kb.io).
#include "admission/checks.h"
#include "api/kratix.h"
#include "kube/object.h"

namespace pave::admission {
namespace {

using kube::AdmissionResponse;
using kube::Json;

constexpr const char* kSkipPathDefaulting = "kratix.io/skip-path-defaulting";

}  // namespace

AdmissionResponse default_destination(const CheckContext&, const kube::AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return AdmissionResponse::allow();
  Json destination = request.object;
  // Kratix marks Destinations made since path defaulting changed, and keeps the mark on them.
  const Json& old_annotations = kube::child(kube::child(request.old_object, "metadata"), "annotations");
  if (request.operation == "CREATE" || (old_annotations.is_object() && old_annotations.contains(kSkipPathDefaulting))) {
    destination["metadata"]["annotations"][kSkipPathDefaulting] = "true";
  }
  Json& spec = destination["spec"];
  if (!spec.is_object()) spec = Json::object();
  if (kube::string_at(spec, "path").empty()) spec["path"] = kube::meta::name(destination);
  if (kube::string_at(kube::child(spec, "filepath"), "mode") == "aggregatedYAML" &&
      kube::string_at(spec["filepath"], "filename").empty()) {
    spec["filepath"]["filename"] = "aggregated.yaml";
  }
  AdmissionResponse response;
  response.mutated = std::move(destination);
  return response;
}

AdmissionResponse validate_destination(const CheckContext& context, const kube::AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return AdmissionResponse::allow();
  const Json& destination = request.object;
  if (kube::meta::deleting(destination)) return AdmissionResponse::allow();
  const Json& spec = kube::child(destination, "spec");
  const std::string path = kube::string_at(spec, "path");
  if (path.empty()) return AdmissionResponse::deny("path field is required");
  const Json& ref = kube::child(spec, "stateStoreRef");
  const std::string kind = kube::string_at(ref, "kind"), store = kube::string_at(ref, "name");
  auto all = context.client.list(api::destinations(), "");
  if (!all) return AdmissionResponse::deny("failed to list destinations: " + all.error().message);
  for (const Json& other : all->items) {
    if (kube::meta::name(other) == kube::meta::name(destination)) continue;
    const Json& theirs = kube::child(kube::child(other, "spec"), "stateStoreRef");
    if (kube::string_at(theirs, "kind") == kind && kube::string_at(theirs, "name") == store &&
        kube::string_at(kube::child(other, "spec"), "path") == path) {
      return AdmissionResponse::deny("destination path '" + path + "' already exists for state store '" + store + "'");
    }
  }
  return AdmissionResponse::allow();
}

}  // namespace pave::admission
