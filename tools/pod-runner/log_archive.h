// Where the output of a finished pod's containers is kept once their podman containers are removed, as a
// kubelet keeps container logs in files under /var/log/pods: <state dir>/logs/<pod uid>/<container>/<attempt>.log.
//
// Why the runner removes them: every podman container holds one of podman's locks (num_locks, 2048 by
// default) until it is removed, and a pipeline pod has about four containers. Kept until their pods were
// deleted, the containers of some 500 finished pods took every lock, after which no container could be
// created and every later pod stayed Pending for good; and each `podman ps` of a pod reads them all. So a
// finished pod's output is copied here and its containers removed; the pod's status already says how each
// container ended, and `pave-pod-runner logs` reads the copy.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine.h"
#include "kube/error.h"

namespace pave::podrunner {

class LogArchive {
 public:
  explicit LogArchive(std::filesystem::path state_dir) : root_(std::move(state_dir) / "logs") {}

  // Copies what each run printed (podman's logs: standard output, then standard error). Each file is
  // written whole or not at all, so a runner killed halfway copies again at its next start.
  kube::Status keep(const Podman& podman, const std::string& pod_uid, const std::vector<ContainerRun>& runs) const;

  // The attempts kept for one container of a pod, in order.
  std::vector<int> attempts(const std::string& pod_uid, const std::string& container) const;
  // What one run printed, or nothing when it was not kept.
  std::optional<std::string> read(const std::string& pod_uid, const std::string& container, int attempt) const;

  // Forgets a deleted pod's output.
  void remove(const std::string& pod_uid) const;
  // Forgets the output of every pod not in live (pods deleted while no runner ran).
  void remove_all_but(const std::set<std::string>& live) const;

 private:
  std::filesystem::path file(const std::string& pod_uid, const std::string& container, int attempt) const {
    return root_ / pod_uid / container / (std::to_string(attempt) + ".log");
  }
  std::filesystem::path root_;
};

}  // namespace pave::podrunner
