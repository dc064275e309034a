// ResourceBindings (kratix-spec.md 1.4, 2.8, 6.4): which version of its Promise a resource request runs.
//
//   apiVersion: platform.kratix.io/v1alpha1
//   kind: ResourceBinding
//   metadata: {name: example-redis-e7f90, namespace: default,
//              labels: {kratix.io/promise-name: redis, kratix.io/resource-name: example, ...the request's}}
//   spec: {version: latest, promiseRef: {name: redis}, resourceRef: {name: example, namespace: default}}
//   status:
//     lastAppliedVersion: v1.2.0
//     failedVersion: ""
//     conditions: [{type: UpgradeSucceeded, status: "True", reason: UpgradeComplete, message: Resource is at version v1.2.0}]
//
// A request's binding is found by those two labels, so one made before the request (to pin it) is adopted.
// `latest` follows the Promise's latest PromiseRevision; any other version pins the request to that
// revision, whose promiseSpec its workflows then run. The request reconciler makes the binding and reports
// each upgrade on it; ResourceBindingReconciler starts upgrades.
#pragma once

#include <optional>
#include <string>

#include "api/conditions.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace pave::platform {

inline constexpr const char* kBindingLatest = "latest";
inline constexpr const char* kFinalizerBindingCleanup = "kratix.io/resource-binding-cleanup";
inline constexpr const char* kUpgradeSucceeded = "UpgradeSucceeded";
inline constexpr const char* kReasonUpgradeComplete = "UpgradeComplete";
inline constexpr const char* kReasonUpgradeInProgress = "UpgradeInProgress";
inline constexpr const char* kReasonUpgradeFailed = "UpgradeFailed";

// Bindings by the request they bind: "<promise>/<namespace>/<request>".
inline constexpr const char* kBindingRequestIndex = "binding-request";
kube::IndexFunc binding_request_index();
std::string binding_request_key(const std::string& promise, const std::string& ns, const std::string& request);

// "<request>-<promise>" as Kratix's deterministic name ("example" of "redis": "example-redis-e7f90").
std::string binding_name(const std::string& request, const std::string& promise);

// The request's binding as the cache has it, or null (a deleting one counts as none).
kube::ObjectPtr find_binding(const kube::Informer& bindings, const std::string& promise, const kube::Json& rr);

// Makes the request's binding, or keeps the labels of the one it has in step with the request's (all of
// them but the re-run labels). A new binding starts at `initial_version`. Returns the binding.
kube::Result<kube::Json> ensure_binding(const kube::Client& client, kube::EventRecorder& events, const kube::Informer& bindings,
                                        const std::string& promise, const kube::Json& rr, const std::string& initial_version);

// The revision a binding's version selects: `latest` the one with status.latest, another the one of that
// version. Errors (kNotFound) carry Kratix's FailedPromiseRevisionLookup messages.
kube::Result<kube::ObjectPtr> select_revision(const kube::Informer& revisions, const std::string& promise, const std::string& version);

// The latest revision's version of a Promise, or "".
std::string latest_version(const kube::Informer& revisions, const std::string& promise);

// How a request's configure workflow stands, for its binding's status.
enum class UpgradeState { kRunning, kFailed, kCompleted };

// Writes the binding's UpgradeSucceeded condition, lastAppliedVersion and failedVersion for a run of
// `version` in `state` (failure: the request's failure message).
kube::Status report_upgrade(const kube::Client& client, const kube::Json& binding, const std::string& version, UpgradeState state,
                            const std::string& failure = "");

// UpgradeSucceeded Unknown UpgradeInProgress: "Upgrade to version X is in progress", or, for a re-run
// asked for by hand, "Reconciliation requested for version X".
api::Condition upgrade_in_progress(const std::string& version, bool requested, int64_t generation);

// The version an UpgradeInProgress condition says is being applied ("" when none).
std::string in_flight_version(const kube::Json& binding);

}  // namespace pave::platform
