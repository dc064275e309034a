#include "platform/promise_source.h"

#include "api/kratix.h"
#include "base/encoding.h"
#include "base/http_client.h"
#include "kube/object.h"
#include "kube/yaml.h"

namespace pave::platform {

using kube::ErrorKind;
using kube::Json;

kube::Result<std::string> release_authorization(const kube::Client& client, const Json& release) {
  const Json& ref = kube::child(kube::child(kube::child(release, "spec"), "sourceRef"), "secretRef");
  const std::string name = kube::string_at(ref, "name");
  if (name.empty()) return std::string();
  const std::string ns = kube::string_at(ref, "namespace");
  auto failed = [](const std::string& why) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "failed to fetch data from secretRef: " + why));
  };
  // A PromiseRelease has no namespace of its own to fall back on.
  if (ns.empty()) return failed("secretRef.namespace must be set");
  auto secret = client.get(kube::resources::secrets(), ns, name);
  if (!secret) {
    if (secret.error().kind == ErrorKind::kNotFound) return failed("Secret " + name + " not found in namespace " + ns);
    kube::Error e = secret.error();
    e.message = "failed to fetch data from secretRef: " + e.message;
    return std::unexpected(e);
  }
  const std::string encoded = kube::string_at(kube::child(*secret, "data"), "authorizationHeader");
  if (encoded.empty()) return std::string();
  auto decoded = base::base64_decode(encoded);
  if (!decoded) return failed("authorizationHeader is not base64");
  return *decoded;
}

kube::Result<Json> fetch_promise(const std::string& url, const std::string& authorization) {
  base::HttpRequest request{.url = url, .timeout = std::chrono::seconds(10)};
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  auto response = base::http_request(request);
  if (!response) {
    return std::unexpected(kube::make_error(response.error().kind == base::HttpFailure::Kind::kTls ? ErrorKind::kTls : ErrorKind::kTransport,
                                       "failed to get url: " + response.error().message));
  }
  if (response->status != 200) {
    kube::Error e = kube::make_error(ErrorKind::kInvalid, "failed to get Promise from URL: status code " + std::to_string(response->status));
    e.http_status = static_cast<int>(response->status);
    return std::unexpected(e);
  }
  // As Kratix's YAML-or-JSON decoder reads it: YAML the way kubectl does (JSON is YAML too).
  auto documents = kube::parse_yaml_documents(response->body, kube::YamlReading::kKubectl);
  if (!documents || documents->empty() || !documents->front().is_object()) {
    return std::unexpected(kube::make_error(ErrorKind::kDecode, "failed to unmarshal into Kubernetes object: " +
                                                               (documents ? std::string("the document is not an object") : documents.error().message)));
  }
  const Json& promise = documents->front();
  if (kube::string_at(promise, "kind") != "Promise") {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "expected single Promise object but found object of kind: " +
                                                                kube::string_at(promise, "kind")));
  }
  if (documents->size() > 1) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "expected single document yaml, but found multiple documents"));
  }
  if (kube::meta::name(promise).empty()) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "failed to unmarshal into Promise: metadata.name is empty"));
  }
  return promise;
}

std::optional<VersionProblem> version_problem(const Json& promise, const std::string& wanted) {
  const std::string found = kube::meta::label(promise, api::kLabelPromiseVersion);
  if (found.empty()) return VersionProblem{"VersionLabelNotFound", "Version label not found on Promise"};
  if (!wanted.empty() && found != wanted) {
    return VersionProblem{"VersionNotMatching", "Version labels do not match, found: " + found + ", expected: " + wanted};
  }
  return std::nullopt;
}

}  // namespace pave::platform
