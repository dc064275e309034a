// Several control planes side by side, as the platform and its destinations run in e2e tests and in the
// local platform: started in parallel, on their own ports and directories, independent of each other.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <future>

#include "support/cluster.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

TEST(TwoClusters, StartInParallelAndAreIndependent) {
  auto a_future = std::async(std::launch::async, [] { return LocalCluster::start("alpha"); });
  auto b_future = std::async(std::launch::async, [] { return LocalCluster::start("beta"); });
  auto a = a_future.get();
  auto b = b_future.get();
  ASSERT_TRUE(a.has_value()) << a.error();
  ASSERT_TRUE(b.has_value()) << b.error();
  const ClusterAccess& alpha = a->access();
  const ClusterAccess& beta = b->access();
  EXPECT_NE(alpha.server, beta.server);
  EXPECT_NE(alpha.kubeconfig, beta.kubeconfig);

  // Each cluster has its own CA: one cluster's kubeconfig is refused by the other's server.
  auto cross = base::run({.argv = {kubectl_program(), "--kubeconfig", alpha.kubeconfig, "--server", beta.server,
                                   "get", "namespaces"}});
  EXPECT_FALSE(cross.ok()) << "alpha's credentials were accepted by beta";

  // The same name holds different data in each, and an object made in one is absent from the other.
  ASSERT_TRUE(alpha.kubectl({"create", "configmap", "shared", "--from-literal=owner=alpha"}).ok());
  ASSERT_TRUE(beta.kubectl({"create", "configmap", "shared", "--from-literal=owner=beta"}).ok());
  ASSERT_TRUE(alpha.kubectl({"create", "namespace", "only-in-alpha"}).ok());
  EXPECT_EQ(alpha.kubectl({"get", "configmap", "shared", "-o", "jsonpath={.data.owner}"}).out, "alpha");
  EXPECT_EQ(beta.kubectl({"get", "configmap", "shared", "-o", "jsonpath={.data.owner}"}).out, "beta");
  auto missing = beta.kubectl({"get", "namespace", "only-in-alpha"});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;

  // Stopping one leaves the other serving, and leaves none of the stopped one's processes behind.
  const pid_t alpha_launcher = a->launcher_pid();
  EXPECT_EQ(a->stop(), 0);
  EXPECT_NE(::kill(alpha_launcher, 0), 0);
  const std::string alpha_dir = std::filesystem::path(alpha.kubeconfig).parent_path().string();
  auto alpha_left = base::run({.argv = {"pgrep", "-f", "--", alpha_dir}});
  EXPECT_EQ(alpha_left.out, "") << "alpha's components outlived it";
  auto still = beta.kubectl({"get", "configmap", "shared", "-o", "jsonpath={.data.owner}"});
  EXPECT_TRUE(still.ok()) << still.err;
  EXPECT_EQ(still.out, "beta");
}

}  // namespace
}  // namespace pave::testing
