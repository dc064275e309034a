// Readiness and liveness probes, as a kubelet runs them, for the containers a runner keeps running.
//
// A container with a readinessProbe is ready only once the probe has succeeded successThreshold times in
// a row, and stops being ready after failureThreshold failures; one without is ready while it runs. A
// livenessProbe that fails failureThreshold times in a row has the container stopped, so the pod's
// restartPolicy restarts it. Probes start initialDelaySeconds after the container did and repeat every
// periodSeconds, each given timeoutSeconds. httpGet (http; 200-399 is success) and tcpSocket are run,
// against the pod's IP unless the probe names a host; an exec or https probe counts as failing, with the
// reason logged, rather than as passing.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "kube/json.h"

namespace pave::podrunner {

struct ProbeSpec {
  enum class Kind { kHttpGet, kTcpSocket, kUnsupported } kind = Kind::kUnsupported;
  std::string host;  // "" = the pod's IP
  int port = 0;
  std::string path = "/";
  std::string unsupported;  // why, for kUnsupported
  std::chrono::seconds initial_delay{0};
  std::chrono::seconds period{10};
  std::chrono::seconds timeout{1};
  int success_threshold = 1;
  int failure_threshold = 3;
};

// The container's readinessProbe or livenessProbe (`which`), named ports resolved against its ports;
// nothing when it has none.
std::optional<ProbeSpec> parse_probe(const kube::Json& container, const std::string& which);

// Consecutive results of one probe of one container run, and what they mean.
struct ProbeState {
  int successes = 0;
  int failures = 0;
  bool passing = false;  // readiness: ready; liveness: not (yet) failed
};
ProbeState record(ProbeState state, bool success, const ProbeSpec& spec);

class Prober {
 public:
  struct Outcome {
    std::map<std::string, bool> ready;               // by container name, for running containers
    std::vector<std::string> unhealthy;              // container ids whose liveness probe failed
    std::chrono::milliseconds next_due{10'000};      // when a probe is next due
  };
  // Probes what is due for the pod's running containers (their latest runs) at now.
  Outcome probe(const kube::Json& pod, const std::vector<ContainerRun>& runs, const std::string& pod_ip,
                std::chrono::system_clock::time_point now);
  // Drops what is kept for the pod's container runs.
  void forget(const std::string& pod_uid);

 private:
  struct Tracked {
    ProbeState state;
    std::chrono::system_clock::time_point next{};
  };
  bool due_and_run(const std::string& key, const ProbeSpec& spec, bool initially_passing, const std::string& pod_ip,
                   std::chrono::system_clock::time_point started, std::chrono::system_clock::time_point now,
                   std::chrono::milliseconds& next_due);

  std::mutex mu_;
  std::map<std::string, Tracked> tracked_;  // "<pod uid>/<container id>/<readiness|liveness>"
};

// One probe now: true when it passed.
bool run_probe(const ProbeSpec& spec, const std::string& pod_ip);

}  // namespace pave::podrunner
