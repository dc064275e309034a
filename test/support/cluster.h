// Real Kubernetes control planes for tests: start one with pave-cluster, talk to it with kubectl.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "base/temp_dir.h"

namespace pave::testing {

// Where the control-plane binaries and the launcher are. The build bakes in defaults; the environment
// variables PAVE_K8S_BIN and PAVE_CLUSTER_PROGRAM override them.
std::string k8s_bin_dir();
std::string cluster_program();
std::string kubectl_program();

// How to reach a cluster: enough to run kubectl or any client against it.
struct ClusterAccess {
  std::string name;
  std::string kubeconfig;  // admin (system:masters) kubeconfig
  std::string server;      // https://127.0.0.1:PORT
  std::string etcd;        // http://127.0.0.1:PORT, etcd's client URL (empty for an external cluster)

  // Runs kubectl against this cluster with args, feeding input on standard input.
  base::ProcessOutput kubectl(const std::vector<std::string>& args, const std::string& input = "") const;
};

// A control plane owned by this process: etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// in a temporary directory, stopped (children included) and removed when the object is destroyed, even
// when the test that made it failed.
class LocalCluster {
 public:
  struct Options {
    std::vector<std::string> apiserver_args;  // extra kube-apiserver flags, e.g. "--watch-cache=false"
    bool etcd_proxy = false;                  // a proxy before etcd, for set_etcd_latency
    std::chrono::seconds timeout{180};
  };
  static std::expected<LocalCluster, std::string> start(const std::string& name, const Options& options);
  static std::expected<LocalCluster, std::string> start(const std::string& name) { return start(name, Options{}); }
  LocalCluster(LocalCluster&&) noexcept = default;
  LocalCluster& operator=(LocalCluster&&) noexcept = default;
  ~LocalCluster();

  const ClusterAccess& access() const { return access_; }
  pid_t launcher_pid() const { return launcher_->pid(); }

  // Stops the control plane and returns the launcher's exit code.
  int stop();

  // Stops kube-apiserver and starts it again on the same port (the launcher's SIGUSR1); returns at once,
  // while it starts (a few seconds).
  void restart_apiserver() const;

  // With Options::etcd_proxy: every chunk between kube-apiserver and etcd waits this long (0: none),
  // from within a quarter of a second on.
  void set_etcd_latency(std::chrono::milliseconds latency) const;

 private:
  LocalCluster(base::TempDir dir, base::Child launcher, ClusterAccess access)
      : dir_(std::move(dir)), launcher_(std::move(launcher)), access_(std::move(access)) {}

  std::optional<base::TempDir> dir_;
  std::optional<base::Child> launcher_;
  ClusterAccess access_;
};

// Parses the launcher's "READY name=... kubeconfig=... server=... etcd=..." line.
std::optional<ClusterAccess> parse_ready_line(const std::string& line);

// Polls condition every interval until it returns true or timeout passes; returns the last result.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(200));

// A namespace name for a test: the test's name, lowercased and cut to fit, plus a random suffix.
std::string namespace_for(const std::string& test_name);

}  // namespace pave::testing
