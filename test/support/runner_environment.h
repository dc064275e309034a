// The pod runner playing the cluster's kubelet for a whole test binary: this build's pipeline images
// (localhost/pave:dev with this build's pave) built once, one pave-pod-runner started on the binary's
// control plane (ClusterEnvironment, which must be added first), and its containers and volumes removed
// when the binary ends.
//
// Needs PAVE_POD_RUNNER, PAVE_IMAGES_SCRIPT and PAVE_BINARY (compile definitions of the test target).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "base/temp_dir.h"
#include "support/cluster_environment.h"
#include "support/pod_runner.h"

namespace pave::testing {

class RunnerEnvironment : public ::testing::Environment {
 public:
  // node_prefix names the runner's Node (the process id is added, so binaries running side by side
  // register Nodes of their own) and its volumes' directory.
  explicit RunnerEnvironment(const std::string& node_prefix)
      : prefix_(node_prefix), runner_(PAVE_POD_RUNNER, node_prefix + "-" + std::to_string(getpid())) {}

  void SetUp() override {
    auto images = build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY);
    ASSERT_FALSE(images.has_value()) << *images;
    dir_.emplace(base::TempDir::create(prefix_ + "-runner").value());
    state_dir = dir_->path().string();
    runner = &runner_;
    auto started = runner_.start(ClusterEnvironment::cluster().kubeconfig, state_dir);
    ASSERT_FALSE(started.has_value()) << *started;
  }
  void TearDown() override {
    runner_.stop();
    runner_.remove_containers();
    dir_.reset();  // the runner's volumes, gone with its containers
  }

  // The binary's runner (to read a container's log, or to kill and restart it into state_dir).
  static inline PodRunner* runner = nullptr;
  static inline std::string state_dir;

 private:
  std::string prefix_;
  std::optional<base::TempDir> dir_;
  PodRunner runner_;
};

}  // namespace pave::testing
