// Finalizers Pave owns on an object, changed with a conditional merge patch (a concurrent change to the
// object makes it a Conflict, retried by the controller).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"

namespace pave::platform {

// Makes the object's finalizers: those not in `owned` kept as they are, plus `wanted` (a subset of owned).
kube::Status set_owned_finalizers(const kube::Client& client, const kube::Resource& resource, const kube::Json& object,
                                  const std::vector<std::string>& owned, const std::vector<std::string>& wanted);

// The same, giving the object as the server has it afterwards (nothing when no patch was needed or the
// object is gone): a reconcile can go on from it rather than from a cache that has not caught up.
kube::Result<std::optional<kube::Json>> update_owned_finalizers(const kube::Client& client, const kube::Resource& resource,
                                                                const kube::Json& object, const std::vector<std::string>& owned,
                                                                const std::vector<std::string>& wanted);

}  // namespace pave::platform
