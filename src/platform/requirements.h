// A compound Promise's spec.requiredPromises (kratix-spec.md 1.1, 2.1 step 5, 6.2): each required Promise
// must be installed, at the version asked for (none asked: any), and Available, before the compound
// Promise is. Pure functions over the Promises as cached; PromiseReconciler writes what they say.
//
//   status:
//     requiredPromises:
//     - {name: sub-promise, version: v1.0.0, state: Requirement installed}
//     conditions:
//     - {type: RequirementsFulfilled, status: "True", reason: RequirementsInstalled, message: Requirements fulfilled}
//
// and on each required Promise, status.requiredBy lists who requires it:
//     requiredBy:
//     - {promise: {name: compound-promise, version: v0.1.0}, requiredVersion: v1.0.0}
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/conditions.h"
#include "kube/json.h"
#include "kube/store.h"

namespace pave::platform {

inline constexpr const char* kStateInstalled = "Requirement installed";
inline constexpr const char* kStateNotInstalled = "Requirement not installed";
inline constexpr const char* kStateWrongVersion = "Requirement not installed at the specified version";
inline constexpr const char* kStateNotAvailable = "Requirement not available";

// What requirements are checked against: the Promises, and their revisions' versions.
struct RequirementLookup {
  std::function<kube::ObjectPtr(const std::string& name)> promise;  // nullptr when there is none
  std::function<bool(const std::string& name, const std::string& version)> has_revision;
};

// status.requiredPromises for this Promise: one entry per spec.requiredPromises entry, in order. A version
// asked for is installed when the required Promise is at it or still has a revision of it.
kube::Json required_promises_status(const kube::Json& promise, const RequirementLookup& lookup);

// Whether every requirement is installed (true with none).
bool requirements_met(const kube::Json& required_status);

// RequirementsFulfilled from status.requiredPromises.
api::Condition requirements_condition(const kube::Json& required_status, int64_t generation);

// The required Promise's status.requiredBy with this dependent's entry set (replaced by name, or added);
// `remove` takes it out instead.
kube::Json required_by(const kube::Json& required, const kube::Json& dependent, const std::string& required_version,
                       bool remove = false);

// The names of the Promises a Promise requires, for an index from a required Promise to its dependents.
std::vector<std::string> required_names(const kube::Json& promise);

}  // namespace pave::platform
