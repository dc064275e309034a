// Turning a pod's spec into what podman needs: volumes materialised on disk, environment variables
// resolved, and one RunSpec per container, as a kubelet would.
#pragma once

#include <map>
#include <string>

#include "kube/client.h"
#include "engine.h"

namespace pave::podrunner {

// Where pods reach the API server from inside their containers.
struct ApiEndpoint {
  std::string host;  // KUBERNETES_SERVICE_HOST
  std::string port;  // KUBERNETES_SERVICE_PORT
};

// What a runner applies to every container it makes.
struct RunnerSettings {
  ApiEndpoint api;
  // The Node's address: its InternalIP, and every pod's hostIP and podIP (pods use the host's network).
  // Runners on one host for one cluster give their Nodes different loopback addresses (127.0.0.2, ...) so
  // replicas of one Deployment can listen on the same port, each on its own pod IP.
  std::string node_ip = "127.0.0.1";
  std::string seccomp_dir;   // where seccompProfile Localhost profiles are found
  bool apply_limits = true;  // resources.limits as podman --memory and --cpus
};

// Writes the pod's volumes under pod_dir/volumes/<name> (emptyDir, configMap, secret, projected
// service-account token with ca.crt and namespace, downwardAPI) and returns each volume's host path.
// hostPath volumes are returned as they are. Idempotent: emptyDirs keep their contents.
// Permissions are the kubelet's: emptyDirs 0777; ConfigMap and Secret files with defaultMode or the
// item's mode; the token 0600 owned by the pod's one runAsUser when it has one; with fsGroup, every
// volume's files belong to that group.
kube::Result<std::map<std::string, std::string>> prepare_volumes(const kube::Client& client, const kube::Json& pod,
                                                                 const std::string& pod_dir, const std::string& node_ip);

// The RunSpec for one of the pod's containers.
kube::Result<RunSpec> run_spec(const kube::Client& client, const kube::Json& pod, const kube::Json& container,
                               int attempt, const std::map<std::string, std::string>& volumes,
                               const RunnerSettings& runner);

// Whether a relative path stays inside its directory (no "..", not absolute, not empty).
bool safe_relative_path(const std::string& path);

}  // namespace pave::podrunner
