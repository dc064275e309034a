// ResourceRequestReconciler: the controller of one Promise's API (kratix-spec.md 2.2, 2.8). Every
// resource request gets the kratix.io/promise-name label, waits while its Promise is unavailable, runs
// the resource.configure pipelines of the Promise revision its ResourceBinding selects one after another
// (workflow_runner.h, resource_bindings.h), and says how far it got on its status and on its binding; deleting it runs the resource.delete pipeline, then removes its Works (and so their
// files in the state stores) and its Jobs.
//
// One instance per Promise, made and dropped at run time by ResourceControllers as Promises come and go.
// Its status writes touch only the fields Kratix's controller owns, so what pipelines write (status.yaml)
// and where the request landed (status.kratix.placements, RequestPlacementReporter) are kept.
#pragma once

#include <string>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "platform/workflow_gates.h"
#include "workflow/kratix_config.h"
#include "workflow/workflow_runner.h"

namespace pave::platform {

struct RequestControllerContext {
  kube::Client client;
  const kube::Informer& promises;
  const kube::Informer& works;  // with RequestPlacementReporter's kRequestIndex
  const kube::Informer& revisions;  // with kRevisionPromiseIndex
  const kube::Informer& bindings;   // with kBindingRequestIndex
  kube::EventRecorder& events;
  workflow::KratixConfig config;
  std::string adapter_image;
};

class ResourceRequestReconciler : public kube::Reconciler {
 public:
  ResourceRequestReconciler(const RequestControllerContext& context, std::string promise, kube::Resource api,
                            const kube::Informer& requests);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

 private:
  kube::Result<kube::ReconcileResult> configure(const kube::Json& rr, const kube::Json& promise, GateInput in);
  // The request's ResourceBinding, made when missing, and the Promise as the revision it selects has it
  // (spec replaced by the revision's promiseSpec); a revision that cannot be found is an error and an Event.
  struct Bound {
    kube::Json binding;
    kube::ObjectPtr revision;
    kube::Json promise;
    std::string version;  // the revision's
  };
  kube::Result<Bound> bind(const kube::Json& rr, const kube::Json& promise);
  // status.promiseVersion and resourceBindingVersion after a completed run, and the binding's report.
  kube::Status report_version(const kube::Json& rr, const Bound& bound, const workflow::Decision& d, kube::Json& status) const;
  GateInput gate_input(const kube::Json& rr, const kube::Json& promise) const;
  // Carries out a gate other than kProceed: its status, labels and Event.
  kube::Result<kube::ReconcileResult> hold(const kube::Json& rr, const Gate& g, const GateInput& in);
  kube::Result<kube::ReconcileResult> remove(const kube::Json& rr, const kube::Json& promise, const GateInput& in);
  workflow::WorkflowTarget target(const kube::Json& rr, const kube::Json& promise, workflow::WorkflowAction action,
                                  std::vector<workflow::Pipeline> pipelines) const;
  std::vector<kube::ObjectPtr> works_of(const kube::Json& rr) const;
  // Merge-patches the fields of status that differ from rr's, over resource_version (rr's when empty).
  kube::Status write_status(const kube::Json& rr, const kube::Json& status, const std::string& resource_version = "") const;
  void fail(const kube::Json& rr, const std::string& reason, const std::string& message) const;

  const RequestControllerContext& ctx_;
  const std::string promise_;
  const kube::Resource api_;
  const kube::Informer& requests_;
  workflow::WorkflowRunner runner_;
};

}  // namespace pave::platform
