// The pod runner learns that a container ended from podman's events rather than by asking podman every
// few hundred milliseconds: ContainerExits, with the real podman and an image built here. Part of
// pod_runner_test (one binary, the images already built by its environment).
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <random>

#include "container_exits.h"
#include "support/pod_runner_fixture.h"

namespace pave::testing {
namespace {

std::string random_uid() {
  std::random_device rd;
  return "exits-" + std::to_string(rd()) + "-" + std::to_string(rd());
}

containers::RunSpec quick_run(const std::string& uid) {
  containers::RunSpec spec;
  spec.pod_uid = uid;
  spec.container = "main";
  spec.image = kUtility;
  spec.command = std::vector<std::string>{"true"};
  return spec;
}

// Each of its owner's containers that dies is reported with its pod's uid, once the stream follows;
// another owner's (another cluster's runner on the same host) is not.
TEST(ContainerExitsTest, ReportsThePodsOfItsOwnersContainersThatDie) {
  const containers::Podman mine({.node = "exits-node", .cluster = random_uid()});
  const containers::Podman other({.node = "exits-node", .cluster = random_uid()});
  std::mutex mu;
  std::vector<std::string> died;
  int resyncs = 0;
  podrunner::ContainerExits exits(
      mine,
      [&](const std::string& uid) {
        std::lock_guard lock(mu);
        died.push_back(uid);
      },
      [&] {
        std::lock_guard lock(mu);
        ++resyncs;
      });
  exits.start();
  ASSERT_TRUE(eventually([&] { return exits.following(); }, 10s));
  const std::string others = random_uid(), ours = random_uid();
  auto ran = other.run(quick_run(others), std::chrono::seconds(60));
  ASSERT_TRUE(ran.has_value()) << ran.error().to_string();
  ran = mine.run(quick_run(ours), std::chrono::seconds(60));
  ASSERT_TRUE(ran.has_value()) << ran.error().to_string();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return std::find(died.begin(), died.end(), ours) != died.end();
  }, 30s));
  std::lock_guard lock(mu);
  EXPECT_EQ(std::count(died.begin(), died.end(), others), 0);
  EXPECT_EQ(resyncs, 1);  // the stream began once and did not end
}

}  // namespace
}  // namespace pave::testing
