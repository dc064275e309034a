#include "support/pod_runner.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <sstream>

namespace pave::testing {

using namespace std::chrono_literals;

std::optional<std::string> PodRunner::start(const std::string& kubeconfig, const std::string& state_dir) {
  const std::string log = state_dir + "/runner.log";
  auto child = base::Child::spawn({program_, "run", "--kubeconfig", kubeconfig, "--node", node_, "--node-ip", node_ip_, "--state-dir", state_dir},
                                  {}, log);
  if (!child) return "cannot start " + program_ + ": " + child.error();
  child_.emplace(std::move(*child));
  state_dir_ = state_dir;
  auto ready = child_->read_line(60s);
  if (ready != "READY node=" + node_) {
    return "runner not ready (" + ready.value_or("no line") + "):\n" + base::run({.argv = {"tail", "-20", log}}).out;
  }
  return std::nullopt;
}

void PodRunner::stop() {
  if (child_) {
    child_->signal(SIGTERM);
    if (!child_->wait_for(20s)) child_->signal(SIGKILL), child_->wait_for(5s);
  }
  child_.reset();
}

void PodRunner::remove_containers() const {
  // The runner removes a finished pod's containers, but not a running pod's; a test's cluster goes first,
  // so the runner's containers (by its Node's label) are removed with it. Hundreds may be left, and
  // a runner killed while removing pods leaves podman commands of its own at work on the same ones: so
  // in batches, listed again until none is left or five minutes have passed.
  const auto deadline = std::chrono::steady_clock::now() + 5min;
  std::string last_error;
  for (;;) {
    auto ids = base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.node=" + node_}});
    std::vector<std::string> left;
    std::istringstream lines(ids.out);
    for (std::string id; std::getline(lines, id);) {
      if (!id.empty()) left.push_back(id);
    }
    if (left.empty()) return;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "pod runner %s: %zu containers left after five minutes of removing them: %s\n", node_.c_str(),
                   left.size(), last_error.c_str());
      return;
    }
    for (size_t i = 0; i < left.size(); i += 50) {
      std::vector<std::string> argv{"podman", "rm", "-f", "-t", "0"};
      argv.insert(argv.end(), left.begin() + i, left.begin() + std::min(left.size(), i + 50));
      auto removed = base::run({.argv = argv, .timeout = 2min});
      if (!removed.ok()) last_error = removed.err;
    }
  }
}

void PodRunner::kill() {
  if (child_) child_->signal(SIGKILL), child_->wait_for(10s);
  child_.reset();
}

std::string PodRunner::logs(const std::string& kubeconfig, const std::string& ns_and_pod, const std::string& container,
                            bool previous) const {
  std::vector<std::string> argv{program_, "logs", "--kubeconfig", kubeconfig, "--state-dir", state_dir_, ns_and_pod, container};
  if (previous) argv.push_back("--previous");
  return base::run({.argv = argv}).out;
}

std::optional<std::string> build_images(const std::string& script, const std::string& pave_binary) {
  auto images = base::run({.argv = {script}, .env = {{"PAVE_BINARY", pave_binary}}, .timeout = std::chrono::minutes(15)});
  if (!images.ok()) return images.err;
  return std::nullopt;
}

std::expected<NodeAddresses, std::string> NodeAddresses::add(int first, int count) {
  std::vector<std::string> added;
  for (int i = first; i < first + count; ++i) {
    const std::string address = "198.18.0." + std::to_string(i);
    // replace: an address a crashed run left behind is taken over, not refused.
    auto out = base::run({.argv = {"ip", "address", "replace", address + "/32", "dev", "lo"}});
    if (!out.ok()) {
      NodeAddresses partial(std::move(added));
      return std::unexpected("cannot add " + address + " to lo (ip address replace): " + out.err);
    }
    added.push_back(address);
  }
  return NodeAddresses(std::move(added));
}

NodeAddresses::~NodeAddresses() {
  for (const auto& a : addresses_) base::run({.argv = {"ip", "address", "del", a + "/32", "dev", "lo"}});
}

}  // namespace pave::testing
