// `kubectl get ... -o jsonpath=...` answered in-process, for ClusterAccess::kubectl: the tests poll
// objects' fields thousands of times, and a kubectl run costs some 40-70 ms of CPU (its start-up alone),
// which was about a quarter of the suite's CPU. Served: `get KIND [NAME]` with -n/--namespace,
// -l/--selector (lists), -A (lists) and -o jsonpath=TEMPLATE that support/jsonpath.h understands.
// Anything else, or any error but NotFound, gets no answer here and the caller runs kubectl, so a test
// sees kubectl's output either way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/subprocess.h"

namespace pave::testing {

// The answer kubectl --kubeconfig kubeconfig would give to args, when it can be given in-process.
std::optional<base::ProcessOutput> kubectl_get_in_process(const std::string& kubeconfig, const std::vector<std::string>& args);

}  // namespace pave::testing
