// HealthRecordReconciler (kratix-spec.md 1.10, 6.3): a HealthRecord says how healthy a resource request is
// (written by a pipeline, an agent, or GitOps). Every record about a request, from any namespace, is gathered
// onto the request's status.healthStatus with the worst state first:
//
//   status:
//     healthStatus:
//       state: degraded                 # unhealthy < degraded < unknown < healthy < ready; none: ready
//       healthRecords:
//       - {state: degraded, lastRun: 1767225600, source: {name: db-check, namespace: default}, details: {...}}
//
// A record carries the kratix.io/health-record-cleanup finalizer, so deleting it takes it off the request's
// list first; a record whose Promise or request is gone just lets go.
#pragma once

#include <string>
#include <vector>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"

namespace pave::platform {

// The aggregate health of these records (those being deleted left out), sorted by namespace and name.
kube::Json health_status(const std::vector<kube::ObjectPtr>& records);

class HealthRecordReconciler : public kube::Reconciler {
 public:
  // records must have the index kRequestIndex (request_index()).
  HealthRecordReconciler(kube::Client client, const kube::Informer& records, const kube::Informer& promises,
                         kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Records by the request they are about: "<promise>/<namespace>/<name>".
  static constexpr const char* kRequestIndex = "health-request";
  static kube::IndexFunc request_index();

 private:
  // Writes the aggregate of the request's records onto it; `changed`: the record whose change this is.
  kube::Status report(const kube::Json& record, bool deleting);

  kube::Client client_;
  const kube::Informer& records_;
  const kube::Informer& promises_;
  kube::EventRecorder& events_;
};

}  // namespace pave::platform
