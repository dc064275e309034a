#include "kube/admission.h"

#include "base/encoding.h"
#include "kube/object.h"

namespace pave::kube {

Result<AdmissionRequest> parse_admission_review(const Json& review) {
  const Json& request = child(review, "request");
  if (!review.is_object() || string_at(review, "kind") != "AdmissionReview" || !request.is_object() || string_at(request, "uid").empty()) {
    return std::unexpected(make_error(ErrorKind::kBadRequest, "not an AdmissionReview with a request"));
  }
  AdmissionRequest r{.uid = string_at(request, "uid"), .operation = string_at(request, "operation"),
                     .name = string_at(request, "name"), .namespace_ = string_at(request, "namespace"),
                     .username = string_at(child(request, "userInfo"), "username"),
                     .object = child(request, "object"), .old_object = child(request, "oldObject"),
                     .dry_run = child(request, "dryRun").is_boolean() && request["dryRun"].get<bool>()};
  const Json& groups = child(child(request, "userInfo"), "groups");
  if (groups.is_array()) {
    for (const Json& g : groups) {
      if (g.is_string()) r.groups.push_back(g.get<std::string>());
    }
  }
  return r;
}

Json admission_review_answer(const AdmissionRequest& request, const AdmissionResponse& response) {
  Json answer = {{"uid", request.uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    answer["status"] = {{"code", response.code ? response.code : 403}, {"message", response.message}};
    if (!response.message.empty()) answer["status"]["reason"] = "Forbidden";
  }
  if (!response.warnings.empty()) answer["warnings"] = response.warnings;
  if (response.allowed && response.mutated && *response.mutated != request.object) {
    answer["patchType"] = "JSONPatch";
    answer["patch"] = base::base64_encode(Json::diff(request.object, *response.mutated).dump());
  }
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(answer)}};
}

}  // namespace pave::kube
