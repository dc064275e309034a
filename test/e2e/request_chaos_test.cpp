// Nothing lost, nothing duplicated, whatever moment Pave's controller dies at, one layer up from
// chaos_test (issue 20): resource requests whose pipelines the pod runner runs as real Jobs, rolled out
// to 10 Destinations while `pave controller` is SIGKILLed 20 times (support/chaos_harness.h,
// run_request_chaos), then every request's status, Work, WorkPlacement and file checked, then every
// request deleted (5 kills more) and the store checked to hold only the canaries. The seed is printed;
// PAVE_CHAOS_SEED repeats a run.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "support/chaos_harness.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/runner_environment.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

uint32_t seed() {
  if (const char* s = std::getenv("PAVE_CHAOS_SEED")) return static_cast<uint32_t>(std::stoul(s));
  return static_cast<uint32_t>(std::chrono::system_clock::now().time_since_epoch().count());
}

class RequestChaosTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto server = GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    dir_.emplace(base::TempDir::create("request-chaos").value());
  }

  std::optional<GitServer> git_;
  std::optional<base::TempDir> dir_;
};

TEST_F(RequestChaosTest, ControllerKilledWhileRequestsRunLosesAndDuplicatesNothing) {
  // Both settles within the ctest timeout (900 s) even should one time out, with the report printed.
  ChaosOptions options{.ns = ns(), .prefix = "requests-", .works = 60, .destinations = 10, .kills = 20, .seed = seed(),
                       .settle_timeout = 240s, .deletion_kills = 5};
  std::cout << "[ chaos ] seed " << options.seed << " (PAVE_CHAOS_SEED repeats it)" << std::endl;
  const ChaosReport r = run_request_chaos(cluster(), *git_, PAVE_BINARY, dir_->path().string(), options);
  std::cout << "[ chaos ] " << r.summary() << std::endl;
  if (!r.clean()) {
    auto logs = base::run({.argv = {"sh", "-c", "cd '" + dir_->path().string() + "' && for f in $(ls -t controller-*.log | head -n 2); do "
                                                 "echo \"== $f\"; grep -E ' (warn|error) ' \"$f\" | tail -n 40; tail -n 5 \"$f\"; done"}});
    std::cout << logs.out << std::endl;
  }
  EXPECT_EQ(r.kills, 20 + 5);
  EXPECT_TRUE(r.clean()) << r.summary();
  EXPECT_EQ(r.expected_files, 54u + 20u) << "54 requests left and two canaries a Destination";
  EXPECT_EQ(r.rollout_ready, 54u);
  // At least one Job for each request left. Not one more for each update: an update made before its
  // request's first Job ran needs no second run, and Jobs of completed runs are pruned.
  EXPECT_GE(r.jobs, 54u);
}

}  // namespace
}  // namespace pave::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::RunnerEnvironment("chaos-node"));
  return RUN_ALL_TESTS();
}
