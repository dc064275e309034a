// The CustomResourceDefinition a Promise's spec.api becomes (kratix-spec.md 2.1 step 6, 2.2): the
// promise's own CRD, labelled with the promise, every version given a status subresource whose schema
// is Kratix's (open to whatever pipelines write), default printer columns when a version has none, and
// names capped at 63 characters on the storage version.
#pragma once

#include <optional>
#include <string>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::platform {

// The CRD to create or update for the promise, or nothing when the promise has no API. An API that is
// not a CRD (wrong kind, no group, names or versions, not namespaced) is kInvalid with a clear message.
kube::Result<std::optional<kube::Json>> promise_crd(const kube::Json& promise);

// status.apiVersion as Kratix writes it on the Promise: "<group>/<storage version>", lower-cased.
std::string promise_api_version(const kube::Json& crd);

}  // namespace pave::platform
