#include <gtest/gtest.h>

#include "support/cluster.h"

namespace pave::testing {
namespace {

TEST(ParseReadyLine, ReadsTheLaunchersFields) {
  auto a = parse_ready_line(
      "READY name=p kubeconfig=/tmp/x/admin.kubeconfig server=https://127.0.0.1:6443 etcd=http://127.0.0.1:2379");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "p");
  EXPECT_EQ(a->kubeconfig, "/tmp/x/admin.kubeconfig");
  EXPECT_EQ(a->server, "https://127.0.0.1:6443");
  EXPECT_EQ(a->etcd, "http://127.0.0.1:2379");
}

TEST(ParseReadyLine, RefusesOtherLines) {
  EXPECT_FALSE(parse_ready_line("starting etcd").has_value());
  EXPECT_FALSE(parse_ready_line("READY name=p").has_value());
}

TEST(NamespaceFor, MakesAValidUniqueDnsLabel) {
  auto a = namespace_for("ControlPlane/Job_Runs.On-Node #3");
  auto b = namespace_for("ControlPlane/Job_Runs.On-Node #3");
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("controlplane-job-runs-on-node-3-")) << a;
  auto long_name = namespace_for(std::string(200, 'A'));
  EXPECT_LE(long_name.size(), 63u);
  for (char c : long_name + a) EXPECT_TRUE(std::islower(c) || std::isdigit(c) || c == '-') << c;
}

}  // namespace
}  // namespace pave::testing
