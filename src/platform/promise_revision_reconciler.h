// PromiseRevisionReconciler (kratix-spec.md 1.3): a PromiseRevision carries the finalizer
// kratix.io/resource-request-cleanup, so deleting one deletes the resource requests pinned to its version
// (ResourceBindings whose spec.version is that version; `latest` bindings move on with the Promise) and
// waits until they are gone. The annotation kratix.io/skip-resource-request-cleanup-on-delete: "true" lets
// a revision go without touching requests. The latest revision itself is kept from users by the
// PromiseRevision webhook; which revision is latest is decided by the Promise reconciler
// (promise_revisions.h).
#pragma once

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"

namespace pave::platform {

class PromiseRevisionReconciler : public kube::Reconciler {
 public:
  PromiseRevisionReconciler(kube::Client client, const kube::Informer& revisions, const kube::Informer& promises,
                            const kube::Informer& bindings, kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // The revision a binding pins (a binding deleted lets its revision's deletion go on).
  std::vector<kube::Request> revision_pinned_by(const kube::Json& binding) const;

 private:
  kube::Result<kube::ReconcileResult> remove(const kube::Json& revision);

  kube::Client client_;
  const kube::Informer& revisions_;
  const kube::Informer& promises_;
  const kube::Informer& bindings_;
  kube::EventRecorder& events_;
};

}  // namespace pave::platform
