// Where a PromiseRelease's Promise comes from (kratix-spec.md 1.2, 6.1): an http(s) URL answering one
// Promise document, YAML or JSON, fetched with a 10 s timeout and, when the release names a Secret, that
// Secret's `authorizationHeader` sent verbatim as the Authorization header. The PromiseRelease reconciler
// and its admission check both fetch through here, so both refuse the same documents with Kratix's words.
#pragma once

#include <optional>
#include <string>

#include "kube/client.h"

namespace pave::platform {

// The Authorization header a release asks for: "" without spec.sourceRef.secretRef, else its Secret's
// `authorizationHeader` key ("" when the key is absent, as Kratix sends none then).
kube::Result<std::string> release_authorization(const kube::Client& client, const kube::Json& release);

// GETs url and returns the one Promise it serves. Errors carry Kratix's messages:
//   "failed to get Promise from URL: status code 404", "expected single Promise object but found object of
//   kind: ConfigMap", "expected single document yaml, but found multiple documents".
kube::Result<kube::Json> fetch_promise(const std::string& url, const std::string& authorization);

// Why a fetched Promise cannot be installed as release version `wanted`; nothing when it can. An empty
// `wanted` takes any labelled version.
struct VersionProblem {
  std::string reason;   // VersionLabelNotFound | VersionNotMatching
  std::string message;  // the release's condition message
};
std::optional<VersionProblem> version_problem(const kube::Json& promise, const std::string& wanted);

}  // namespace pave::platform
