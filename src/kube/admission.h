// Admission webhooks as the API server calls them (admission.k8s.io/v1 AdmissionReview): the request a
// handler sees, the answer it gives, and the review objects on the wire.
//
//   AdmissionResponse check(const AdmissionRequest& r) {
//     if (r.object["spec"]["url"].empty()) return AdmissionResponse::deny("sourceRef.url must be set");
//     return AdmissionResponse::allow({"Warning: ..."});
//   }
//
// A mutating handler returns the object it wants in `mutated`; the answer carries the JSON Patch from the
// object as sent to it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::kube {

struct AdmissionRequest {
  std::string uid;
  std::string operation;  // CREATE, UPDATE, DELETE or CONNECT
  std::string name, namespace_;
  std::string username;   // who is asking (userInfo.username)
  std::vector<std::string> groups;
  Json object;            // null for DELETE
  Json old_object;        // null for CREATE
  bool dry_run = false;
};

struct AdmissionResponse {
  bool allowed = true;
  std::string message;  // why it was refused, shown to the user as the API server's error
  int code = 0;         // the HTTP status of a refusal (403 when 0)
  std::vector<std::string> warnings;
  std::optional<Json> mutated;

  static AdmissionResponse allow(std::vector<std::string> warnings = {}) {
    return {.allowed = true, .warnings = std::move(warnings)};
  }
  static AdmissionResponse deny(std::string message, std::vector<std::string> warnings = {}) {
    return {.allowed = false, .message = std::move(message), .warnings = std::move(warnings)};
  }
};

using AdmissionHandler = std::function<AdmissionResponse(const AdmissionRequest&)>;

// Reads an AdmissionReview's request.
Result<AdmissionRequest> parse_admission_review(const Json& review);

// The AdmissionReview answering request uid (with a base64 JSON Patch when the response mutates).
Json admission_review_answer(const AdmissionRequest& request, const AdmissionResponse& response);

}  // namespace pave::kube
