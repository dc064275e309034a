// PodReconciler plays the kubelet for the pods bound to one Node: it starts each pod's containers in
// order with podman, reports their states in the pod's status, restarts them per restartPolicy, and on
// deletion stops them and finishes the deletion. Everything it needs to continue after a restart is
// in the API server (the pod) and in podman (the runs), so it keeps no state of its own.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "kube/informer.h"
#include "kube/reconciler.h"
#include "pod_setup.h"
#include "podman.h"

namespace pave::podrunner {

class PodReconciler : public kube::Reconciler {
 public:
  PodReconciler(kube::Client client, const kube::Informer& pods, Podman podman, std::string state_dir, ApiEndpoint api)
      : client_(std::move(client)), pods_(pods), podman_(std::move(podman)), state_dir_(std::move(state_dir)),
        api_(std::move(api)) {}

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Removes containers and files of pods that no longer exist (after a restart, say).
  void collect_orphans();

 private:
  kube::Result<kube::ReconcileResult> finish_deletion(const kube::Json& pod);
  kube::Status start_containers(const kube::Json& pod, const std::vector<struct ContainerToStart>& which);
  kube::Status report(const kube::Json& pod, const kube::Json& status);
  std::string pod_dir(const std::string& uid) const { return state_dir_ + "/pods/" + uid; }
  void forget_pod(const std::string& uid);

  kube::Client client_;
  const kube::Informer& pods_;
  Podman podman_;
  const std::string state_dir_;
  const ApiEndpoint api_;
  std::mutex mu_;
  std::map<std::string, std::string> uid_by_key_;  // to clean up after a pod vanished from the cache
};

}  // namespace pave::podrunner
