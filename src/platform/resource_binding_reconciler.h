// ResourceBindingReconciler (kratix-spec.md 1.4, 6.4): starts a request's upgrade when the version its
// binding selects is not the one the request last ran (status.promiseVersion): the Promise's latest
// revision moved on for a `latest` binding, or the binding was pinned to another version. It labels the
// request kratix.io/manual-reconciliation (the request reconciler then runs it from the start with that
// revision's spec) and says so on the binding: UpgradeSucceeded Unknown UpgradeInProgress "Upgrade to
// version X is in progress". A failed upgrade (UpgradeFailed, failedVersion X) is not tried again until the
// version changes or the binding is labelled kratix.io/manual-reconciliation ("Reconciliation requested for
// version X"; the label moves to the request). Requests of unversioned Promises are left alone.
#pragma once

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"

namespace pave::platform {

class ResourceBindingReconciler : public kube::Reconciler {
 public:
  // revisions must have kRevisionPromiseIndex.
  ResourceBindingReconciler(kube::Client client, const kube::Informer& bindings, const kube::Informer& promises,
                            const kube::Informer& revisions);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // The bindings of a Promise (its latest revision changed).
  std::vector<kube::Request> bindings_of(const std::string& promise) const;

 private:
  kube::Client client_;
  const kube::Informer& bindings_;
  const kube::Informer& promises_;
  const kube::Informer& revisions_;
};

}  // namespace pave::platform
