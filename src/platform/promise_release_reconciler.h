// PromiseReleaseReconciler (kratix-spec.md 1.2, 6.1): installs the Promise a PromiseRelease points at.
//
//   apiVersion: platform.kratix.io/v1alpha1
//   kind: PromiseRelease
//   metadata: {name: postgres}
//   spec:
//     version: v1.2.0                      # filled from the fetched Promise's version label when empty
//     sourceRef: {type: http, url: https://promises.example.com/postgres.yaml,
//                 secretRef: {name: promise-token, namespace: default}}   # key authorizationHeader
//
// The Promise served at the URL is created or updated (spec replaced, labels and annotations merged) with
// the label kratix.io/promise-release-name and the release as its controller. While that Promise exists at
// the release's version nothing is fetched again: a changed file at the URL takes effect when spec.version
// changes. A deleted Promise is installed again. Deleting the release deletes its Promise and waits until it
// is gone (finalizer kratix.io/promise-cleanup). Status is Installed or "Error installing", with Kratix's
// Installed condition, and every failure is also a Warning Event on the release.
#pragma once

#include <string>
#include <vector>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/reconciler.h"

namespace pave::platform {

class PromiseReleaseReconciler : public kube::Reconciler {
 public:
  // promises must have the index kReleaseIndex (release_index()).
  PromiseReleaseReconciler(kube::Client client, const kube::Informer& releases, const kube::Informer& promises,
                           kube::EventRecorder& events);

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Promises by the release that installed them (label kratix.io/promise-release-name).
  static constexpr const char* kReleaseIndex = "promise-release";
  static kube::IndexFunc release_index();

 private:
  kube::Result<kube::ReconcileResult> install(const kube::Json& release);
  kube::Result<kube::ReconcileResult> remove(const kube::Json& release);
  // Creates the Promise or brings the existing one to the fetched one, owned by the release.
  kube::Status create_or_update(const kube::Json& release, const kube::Json& fetched) const;
  // Reports a failure on the release's status and as an Event, and returns `error` for the retry.
  kube::Result<kube::ReconcileResult> fail(const kube::Json& release, const std::string& reason, const std::string& message,
                                           kube::Error error);
  kube::Status write_status(const kube::Json& release, bool installed, const std::string& reason, const std::string& message) const;

  kube::Client client_;
  const kube::Informer& releases_;
  const kube::Informer& promises_;
  kube::EventRecorder& events_;
};

}  // namespace pave::platform
