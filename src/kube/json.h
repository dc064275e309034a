// The dynamic object representation: Kubernetes objects are JSON values.
#pragma once

#include <nlohmann/json.hpp>

namespace pave::kube {

using Json = nlohmann::json;

}  // namespace pave::kube
