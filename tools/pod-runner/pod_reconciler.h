// PodReconciler plays the kubelet for the pods bound to one Node: it starts each pod's containers in
// order with podman, reports their states in the pod's status, restarts them per restartPolicy, and on
// deletion stops them and finishes the deletion. Everything it needs to continue after a restart is
// in the API server (the pod) and in podman (the runs), so it keeps no state of its own beyond why a
// container could not be created yet (a failed pull, a refused security context), which it finds again
// by retrying.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "container_exits.h"
#include "kube/informer.h"
#include "kube/reconciler.h"
#include "log_archive.h"
#include "pod_lifecycle.h"
#include "prober.h"
#include "pod_setup.h"
#include "engine.h"

namespace pave::podrunner {

class PodReconciler : public kube::Reconciler {
 public:
  PodReconciler(kube::Client client, const kube::Informer& pods, Podman podman, std::string state_dir,
                RunnerSettings settings)
      : client_(std::move(client)), pods_(pods), podman_(std::move(podman)), logs_(state_dir),
        state_dir_(std::move(state_dir)), settings_(std::move(settings)) {}

  kube::Result<kube::ReconcileResult> reconcile(const kube::Request& request) override;

  // Running pods are looked at again every few seconds while exits follows podman's events (it brings
  // them back at once when a container ends), every 300 ms otherwise. exits must outlive every reconcile.
  void follow(const ContainerExits& exits) { exits_ = &exits; }

  // Removes containers and files of pods that no longer exist (after a restart, say), and notes which
  // finished pods were already collected.
  void collect_orphans();

 private:
  kube::Result<kube::ReconcileResult> finish_deletion(const kube::Json& pod);
  // A finished pod (its phase on the API server): keeps its containers' output, then removes them and
  // its volumes (log_archive.h says why). Once per pod.
  kube::Status collect_finished(const std::string& uid);
  // Why a container could not be created, and when to try again.
  struct Blocked {
    Waiting waiting;
    std::string image;
    std::chrono::steady_clock::time_point failed_at;
    std::chrono::steady_clock::time_point retry_at;
    int failures = 0;
  };

  kube::Status start_containers(const kube::Json& pod, const std::vector<ContainerToStart>& which);
  // Whether the container may be created now: its image is here (per imagePullPolicy) and its user
  // passes runAsNonRoot. Sets run.image_user; returns the waiting state when it may not.
  kube::Result<std::optional<Waiting>> admit(const kube::Json& pod, const kube::Json& container, RunSpec& run);
  // Every run of the pod's containers, those podman created but could not start marked as ended (a
  // StartError: exit code 128 and the runtime's reason). One found with no reason known (its start was
  // cut off, or an earlier runner saw it fail) is started once more, which runs it or gives the reason.
  kube::Result<std::vector<ContainerRun>> runs_of(const std::string& uid);
  // Removes each container's runs older than the one before its latest, as a kubelet keeps one dead
  // container per container: a container restarting for ever would otherwise hold a podman lock per run.
  void remove_superseded(const kube::Json& pod, const std::vector<ContainerRun>& runs);
  // Drops what is kept in memory about a pod (probe results, blocked containers, start errors, collected).
  void forget_memory(const std::string& uid);
  void remember_start_error(const std::string& uid, const std::string& container_id, const std::string& error);
  // What follows podman failing to run a container: a StartError (podman kept the container) or a
  // CreateContainerError (it made none).
  void start_failed(const kube::Json& pod, const ContainerToStart& c, const std::string& image, const kube::Error& error);
  void block(const std::string& uid, const std::string& container, const std::string& image, Waiting waiting);
  // The waiting states to report for the pod, and how soon a blocked container is due again.
  std::map<std::string, Waiting> waiting_states(const std::string& uid, std::chrono::milliseconds& due_in);
  kube::Status report(const kube::Json& pod, const kube::Json& status);
  // Stops the containers whose liveness probe failed, so restartPolicy restarts them.
  void restart_unhealthy(const kube::Json& pod, const std::vector<std::string>& container_ids);
  std::string pod_dir(const std::string& uid) const { return state_dir_ + "/pods/" + uid; }
  void forget_pod(const std::string& uid);

  kube::Client client_;
  const kube::Informer& pods_;
  Podman podman_;
  const LogArchive logs_;
  const std::string state_dir_;
  const RunnerSettings settings_;
  std::mutex mu_;
  std::map<std::string, std::string> uid_by_key_;  // to clean up after a pod vanished from the cache
  std::map<std::string, std::map<std::string, Blocked>> blocked_;  // pod uid -> container -> why
  std::map<std::string, std::map<std::string, std::string>> start_errors_;  // pod uid -> container id -> why
  std::set<std::string> collected_;  // uids of finished pods whose containers are removed
  Prober prober_;
  const ContainerExits* exits_ = nullptr;
};

}  // namespace pave::podrunner
