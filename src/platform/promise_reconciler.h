// PromiseReconciler (kratix-spec.md 2.1, 2.7): makes a Promise's API a CRD (with the status schema and
// printer columns Kratix injects) and starts the controller of its requests, writes its static
// dependencies as one Work, runs its promise.configure pipelines, and reports Available with the
// ConfigureWorkflowCompleted, WorksSucceeded and Reconciled conditions. A change of its spec re-runs the
// configure workflow of every request. Deleting it runs its promise.delete pipeline, then removes, one
// finalizer at a time and each step safe to repeat: its Jobs, its requests, its revisions, the
// controller of its API and the RBAC and ConfigMaps its pipelines used, its Works, and its CRD.
#pragma once

#include <string>
#include <vector>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/resource_controllers.h"
#include "platform/workflow_gates.h"
#include "workflow/kratix_config.h"
#include "workflow/workflow_runner.h"

namespace pave::platform {

class PromiseReconciler : public kube::Reconciler {
 public:
  // works must have the index kPromiseWorkIndex (promise_work_index()), revisions kRevisionPromiseIndex.
  PromiseReconciler(kube::Client client, const kube::Informer& promises, const kube::Informer& works,
                    const kube::Informer& revisions, ResourceControllers& requests, kube::EventRecorder& events, workflow::KratixConfig config,
                    std::string adapter_image);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Works of promise workflows by their Promise: "<promise>".
  static constexpr const char* kPromiseWorkIndex = "promise-work";
  static kube::IndexFunc promise_work_index();
  // Promises by the Promises they require (spec.requiredPromises): "<required promise>".
  static constexpr const char* kRequiresIndex = "requires";
  static kube::IndexFunc requires_index();

 private:
  kube::Result<kube::ReconcileResult> configure(const kube::Json& promise, const GateInput& in);
  GateInput gate_input(const kube::Json& promise) const;
  // Carries out a gate other than kProceed: its status, labels and Event.
  kube::Result<kube::ReconcileResult> hold(const kube::Json& promise, const Gate& g, const GateInput& in);
  // Writes status.requiredPromises and RequirementsFulfilled into status and status.requiredBy onto the
  // required Promises; whether every requirement is met (requirements.h).
  kube::Result<bool> check_requirements(const kube::Json& promise, kube::Json& status) const;
  // A Promise whose requirements are unmet is Unavailable, its requests Pending, until they are met.
  kube::Result<kube::ReconcileResult> hold_for_requirements(const kube::Json& promise, kube::Json status, bool was_available,
                                                            const std::string& resource_version);
  // After a write of status: when to come back for the periodic re-run, if one is scheduled.
  static kube::ReconcileResult requeue_for_rerun(const kube::Json& status, const GateInput& in);
  kube::Result<kube::ReconcileResult> remove(const kube::Json& promise, const GateInput& in);
  // The CRD applied and established; nothing when the Promise has no API; kInvalid for an API that is no CRD.
  kube::Result<std::optional<kube::Resource>> apply_api(const kube::Json& promise, kube::Json& status, bool& established);
  kube::Status apply_controller_rbac(const kube::Json& promise, const kube::Resource& api) const;
  kube::Status apply_dependencies(const kube::Json& promise) const;
  // Labels every request run-from-start; resource_version: the Promise's after its label is cleared.
  kube::Status rerun_requests(const kube::Json& promise, const kube::Resource& api, std::string& resource_version) const;
  workflow::WorkflowTarget target(const kube::Json& promise, workflow::WorkflowAction action,
                                  std::vector<workflow::Pipeline> pipelines) const;
  std::vector<std::string> wanted_finalizers(const kube::Json& promise) const;
  // Patches status over resource_version (the Promise's own when empty).
  kube::Status write_status(const kube::Json& promise, const kube::Json& status, const std::string& resource_version = "") const;
  void report_invalid(const kube::Json& promise, const std::string& reason, const std::string& message) const;
  // Deletion steps (promise_deletion.cpp): each returns true when its work is done.
  // Nothing once the promise.delete workflow is done (or there is none); else how to wait for it.
  kube::Result<std::optional<kube::ReconcileResult>> run_delete_workflow(const kube::Json& promise, const GateInput& in);
  kube::Result<bool> delete_requests(const kube::Json& promise) const;
  kube::Status release_requirements(const kube::Json& promise) const;
  kube::Result<bool> delete_labelled(const kube::Json& promise) const;
  kube::Result<bool> delete_works(const kube::Json& promise) const;
  kube::Result<bool> delete_crd(const kube::Json& promise) const;

  kube::Client client_;
  const kube::Informer& promises_;
  const kube::Informer& works_;
  const kube::Informer& revisions_;
  ResourceControllers& requests_;
  kube::EventRecorder& events_;
  const workflow::KratixConfig config_;
  const std::string adapter_image_;
  workflow::WorkflowRunner runner_;
};

}  // namespace pave::platform
