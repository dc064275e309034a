// The admission checks Kratix's webhooks make (kratix-spec.md 0, 1.1 to 1.7), with Kratix's messages.
// Each takes the AdmissionRequest the API server sent and answers it; those that must look at other
// objects (an existing CRD, other Destinations, a Secret, the Promise at a URL) use the client. A check
// that cannot finish refuses: every webhook is failurePolicy Fail, so nothing unchecked reaches etcd.
#pragma once

#include <string>

#include "kube/admission.h"
#include "kube/client.h"
#include "workflow/kratix_config.h"

namespace pave::admission {

struct CheckContext {
  kube::Client client;
  workflow::KratixConfig kratix;  // the Job a pipeline becomes is built as the controller builds it
  std::string adapter_image;
  std::string own_username;       // Pave's own user: allowed what Kratix allows its ServiceAccount
};

// Promise (create, update): the API is a namespaced CRD the API server accepts (dry run), and on update
// keeps its name, kind, apiVersion and names; every Pipeline decodes strictly, has a unique name, a short
// enough ID, valid labels and container names, and makes a Job the API server accepts (dry run); the
// re-run interval (spec or annotation) is at least a minute. Required Promises not installed at the
// version asked for are warnings.
kube::AdmissionResponse validate_promise(const CheckContext& context, const kube::AdmissionRequest& request);

// Destination (create, update): defaults path to the name and an aggregatedYAML filename to
// aggregated.yaml; refuses a path another Destination already has on the same state store.
kube::AdmissionResponse default_destination(const CheckContext& context, const kube::AdmissionRequest& request);
kube::AdmissionResponse validate_destination(const CheckContext& context, const kube::AdmissionRequest& request);

// BucketStateStore (create, update): accessKey authentication needs a secretRef with name and namespace.
kube::AdmissionResponse validate_bucket_state_store(const CheckContext& context, const kube::AdmissionRequest& request);

// PromiseRelease: a URL is required; on create the Promise is fetched (a failure refuses) and a missing
// or different version label is a warning. A release naming a Secret is not fetched here (the controller
// does), so nothing that can reach the webhook's port can make Pave send a Secret anywhere.
kube::AdmissionResponse validate_promise_release(const CheckContext& context, const kube::AdmissionRequest& request);

// PromiseRevision: the latest revision is deleted only by Kratix's (Pave's) controller or the garbage
// collector; a reconciliation-interval annotation must be a duration of at least a minute.
kube::AdmissionResponse validate_promise_revision(const CheckContext& context, const kube::AdmissionRequest& request);

// The annotation both Promises and PromiseRevisions may carry, and its check ("" when fine).
inline constexpr const char* kReconciliationIntervalAnnotation = "kratix.io/reconciliation-interval";
std::string interval_annotation_problem(const kube::Json& object);

}  // namespace pave::admission
