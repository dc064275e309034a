// Nothing lost, nothing duplicated, whatever moment Pave's controller dies at (issue 20): the chaos
// harness (support/chaos_harness.h) SIGKILLs `pave controller` 20 times while 1,000 Works roll out to 10
// Destinations (and a tenth change, a tenth are deleted), then checks every WorkPlacement Ready and the
// Git state store file by file, then deletes every Work (5 kills more) and checks their files are gone;
// then two replicas with leader election, the leader killed each time, the standby leading within the
// lease. The seed is printed; PAVE_CHAOS_SEED repeats a run.
#include <gtest/gtest.h>

#include "base/subprocess.h"

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "base/temp_dir.h"
#include "support/chaos_harness.h"
#include "support/cluster_environment.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

uint32_t seed() {
  if (const char* s = std::getenv("PAVE_CHAOS_SEED")) return static_cast<uint32_t>(std::stoul(s));
  return static_cast<uint32_t>(std::chrono::system_clock::now().time_since_epoch().count());
}

class ChaosTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto server = GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    dir_.emplace(base::TempDir::create("chaos").value());
  }
  ChaosReport run(ChaosOptions options) {
    options.ns = ns();
    options.seed = seed();
    std::cout << "[ chaos ] seed " << options.seed << " (PAVE_CHAOS_SEED repeats it)" << std::endl;
    ChaosReport r = run_chaos(cluster(), *git_, PAVE_BINARY, dir_->path().string(), options);
    std::cout << "[ chaos ] " << r.summary() << std::endl;
    if (!r.clean()) {
      // The controllers' logs go with the test's directory: the last one's warnings and errors are the
      // clue to why the store did not settle.
      auto logs = base::run({.argv = {"sh", "-c", "cd '" + dir_->path().string() + "' && for f in $(ls -t controller-*.log | head -n 2); do "
                                                   "echo \"== $f\"; grep -E ' (warn|error) ' \"$f\" | tail -n 40; tail -n 5 \"$f\"; done"}});
      std::cout << logs.out << std::endl;
    }
    return r;
  }

  std::optional<GitServer> git_;
  std::optional<base::TempDir> dir_;
};

TEST_F(ChaosTest, ControllerKilledTwentyTimesLosesAndDuplicatesNothing) {
  const ChaosReport r = run({.works = 1000, .destinations = 10, .kills = 20, .deletion_kills = 5});
  EXPECT_EQ(r.kills, 20 + 5);
  EXPECT_TRUE(r.clean()) << r.summary();
  EXPECT_EQ(r.expected_files, 900u + 20u) << "900 Works left and two canaries a Destination";
  EXPECT_GT(r.deletion_seconds, 0) << "then every Work deleted, its files gone, the canaries left";
}

TEST_F(ChaosTest, LeaderKilledTheStandbyLeadsWithinTheLeaseAndNothingIsLost) {
  const ChaosReport r = run({.prefix = "replicas-", .works = 300, .destinations = 10, .kills = 5, .replicas = true,
                             .min_pause = 500ms, .max_pause = 2000ms, .deletion_kills = 2});
  EXPECT_EQ(r.kills, 5 + 2);
  EXPECT_TRUE(r.clean()) << r.summary();
  ASSERT_EQ(r.takeovers.size(), 7u);
  // The Lease (from the Kratix config here): 4 s, retried every 1 s. A killed leader does not release it.
  for (auto t : r.takeovers) EXPECT_LE(t, 4s + 1s + 2s) << "takeover took " << t.count() << " ms";
}

}  // namespace
}  // namespace pave::testing
