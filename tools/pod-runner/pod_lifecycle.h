// What a kubelet decides for a pod, as pure functions of the pod's spec and the runs podman reports:
// which container to start next, the pod's phase, and the status to report.
//
// Init containers run one at a time in order, each to success, before any main container starts; main
// containers run together. A failed container is restarted (after a backoff that doubles to 10 s) unless
// restartPolicy is Never, in which case the pod fails. A pod whose containers all succeeded is
// Succeeded; with Always, containers are restarted whenever they exit.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kube/json.h"
#include "engine.h"

namespace pave::podrunner {

struct ContainerToStart {
  std::string name;
  int attempt = 0;
  bool init = false;
};

struct PodPlan {
  std::vector<ContainerToStart> start;                 // start these now
  std::chrono::milliseconds recheck_after{0};          // a restart is waiting for its backoff
  std::string phase;                                   // Pending, Running, Succeeded, Failed
  bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
};

// Why a container that should run could not be created (ErrImagePull, ImagePullBackOff,
// ErrImageNeverPull, CreateContainerConfigError, CreateContainerError), as its waiting state says.
struct Waiting {
  std::string reason;
  std::string message;
};

PodPlan plan_pod(const kube::Json& pod, const std::vector<ContainerRun>& runs,
                 std::chrono::system_clock::time_point now);

// The pod's status as a kubelet would report it: phase, conditions, init and main container statuses.
// waiting names the containers that could not be created, by container name; ready says, by container
// name, whether a running container's readiness probe passes (one not named is ready while it runs).
kube::Json pod_status(const kube::Json& pod, const std::vector<ContainerRun>& runs, const PodPlan& plan,
                      const std::string& start_time, const std::string& host_ip,
                      const std::map<std::string, Waiting>& waiting = {},
                      const std::map<std::string, bool>& ready = {});

// The backoff before restart number `attempt` (1 for the first restart).
std::chrono::milliseconds restart_backoff(int attempt);

}  // namespace pave::podrunner
