// GoogleTest wiring for tests against a real control plane.
//
// ClusterEnvironment starts one cluster for the whole test binary, or uses the one whose kubeconfig
// PAVE_TEST_KUBECONFIG names (start one with `pave-cluster up` and point tests at it to iterate fast;
// PAVE_TEST_ETCD gives its etcd URL to tests that need one).
// ClusterTest gives each test a namespace of its own and deletes it afterwards, pass or fail.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/cluster.h"

namespace pave::testing {

class ClusterEnvironment : public ::testing::Environment {
 public:
  explicit ClusterEnvironment(LocalCluster::Options options = {}) : options_(std::move(options)) {}
  void SetUp() override;
  void TearDown() override;

  // The cluster of the running test binary; valid between SetUp and TearDown.
  static const ClusterAccess& cluster();
  // The same cluster when this binary started it (not with PAVE_TEST_KUBECONFIG), else null.
  static const LocalCluster* local_cluster();

 private:
  LocalCluster::Options options_;
  std::optional<LocalCluster> owned_;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const ClusterAccess& cluster() const { return ClusterEnvironment::cluster(); }
  const std::string& ns() const { return namespace_; }

  // kubectl against the test's cluster, in the test's namespace.
  base::ProcessOutput kubectl(const std::vector<std::string>& args, const std::string& input = "") const;

  // Pave's CRDs (the directory deploy/crds) applied and Established, and the kratix-platform-system
  // namespace made (it may be there from an earlier test). Fails the test otherwise.
  void install_kratix(const std::string& crd_dir) const;

 private:
  std::string namespace_;
};

}  // namespace pave::testing
