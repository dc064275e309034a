// The Work a Promise's spec.dependencies become (kratix-spec.md 2.1 step 7): one workload group at ".",
// one file static/<promise>-dependencies.yaml holding every dependency, scheduled by the Promise's
// destinationSelectors squashed into one set of labels. Pure, so `pave test` shows the same Work the
// Promise reconciler applies.
#pragma once

#include <optional>

#include "kube/json.h"

namespace pave::platform {

// spec.destinationSelectors squashed into one set of labels, earlier entries winning, as a Work's
// destinationSelectors ([] when there are none).
kube::Json squashed_selectors(const kube::Json& promise);

// "<promise>-static-deps" with its deterministic suffix, in kratix-platform-system.
std::string static_dependencies_work_name(const kube::Json& promise);

// The Work, or nothing when the Promise has no dependencies.
std::optional<kube::Json> static_dependencies_work(const kube::Json& promise);

}  // namespace pave::platform
