// pave-pod-runner as tests run it: one runner process playing the kubelet for one Node of a cluster,
// started, stopped or SIGKILLed by the test. Several may run on one host, for one cluster or several.
#pragma once

#include <chrono>
#include <expected>
#include <vector>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "support/cluster.h"

namespace pave::testing {

class PodRunner {
 public:
  // program: the pave-pod-runner binary; node: the Node name it registers.
  // node_ip: the Node's address and its pods' (pave-pod-runner --node-ip).
  PodRunner(std::string program, std::string node, std::string node_ip = "127.0.0.1")
      : program_(std::move(program)), node_(std::move(node)), node_ip_(std::move(node_ip)) {}
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

  // What a container of the pod printed (pave-pod-runner logs, reading the runner's state directory
  // for pods that finished).
  // With previous, the run before the latest.
  std::string logs(const std::string& kubeconfig, const std::string& ns_and_pod, const std::string& container,
                   bool previous = false) const;

 private:
  std::string program_;
  std::string node_;
  std::string node_ip_;
  std::string state_dir_;  // of the last start
  std::optional<base::Child> child_;
};

// Builds the pipeline images (tools/images/build.sh) with pave_binary as localhost/pave:dev; returns an
// error text when the build fails.
std::optional<std::string> build_images(const std::string& script, const std::string& pave_binary);

// Addresses of this host for Nodes of their own: each added to the loopback interface (as /32) while
// the object lives. Services' endpoints may not be loopback addresses (127/8), and replicas of one
// Deployment on pod runners of one host need one address each to listen on the same port; 198.18.0.0/15
// is reserved for network tests (RFC 2544). Needs root (CAP_NET_ADMIN) and iproute2.
class NodeAddresses {
 public:
  // Adds 198.18.0.<first> ... 198.18.0.<first + count - 1>; returns an error text when it cannot.
  static std::expected<NodeAddresses, std::string> add(int first, int count);
  NodeAddresses(NodeAddresses&& other) noexcept : addresses_(std::move(other.addresses_)) { other.addresses_.clear(); }
  NodeAddresses& operator=(NodeAddresses&&) = delete;
  ~NodeAddresses();
  const std::vector<std::string>& addresses() const { return addresses_; }

 private:
  explicit NodeAddresses(std::vector<std::string> addresses) : addresses_(std::move(addresses)) {}
  std::vector<std::string> addresses_;
};

}  // namespace pave::testing
