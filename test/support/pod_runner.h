// pave-pod-runner as tests run it: one runner process playing the kubelet for one Node of a cluster,
// started, stopped or SIGKILLed by the test. Several may run on one host, for one cluster or several.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "support/cluster.h"

namespace pave::testing {

class PodRunner {
 public:
  // program: the pave-pod-runner binary; node: the Node name it registers.
  PodRunner(std::string program, std::string node) : program_(std::move(program)), node_(std::move(node)) {}
  PodRunner(const PodRunner&) = delete;
  PodRunner& operator=(const PodRunner&) = delete;
  ~PodRunner() {
    stop();
    remove_containers();
  }

  // Starts the runner against kubeconfig with its volumes under state_dir and waits for its READY line.
  // Returns an error text (with the end of the runner's log) when it does not get there.
  std::optional<std::string> start(const std::string& kubeconfig, const std::string& state_dir);
  void stop();  // SIGTERM, then SIGKILL after 20 s
  void kill();  // SIGKILL, as a crash would
  const std::string& node() const { return node_; }
  // Removes every container the runner's Node ran (any cluster's): done when the runner is destroyed.
  void remove_containers() const;

  // What a container of the pod printed (pave-pod-runner logs).
  std::string logs(const std::string& kubeconfig, const std::string& ns_and_pod, const std::string& container) const;

 private:
  std::string program_;
  std::string node_;
  std::optional<base::Child> child_;
};

// Builds the pipeline images (tools/images/build.sh) with pave_binary as localhost/pave:dev; returns an
// error text when the build fails.
std::optional<std::string> build_images(const std::string& script, const std::string& pave_binary);

}  // namespace pave::testing
