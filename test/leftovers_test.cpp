// The suite's last test (the cleanup of the ctest fixture every test requires, test/CMakeLists.txt): no
// process the tests started may still run, no temporary directory may remain in the suite's TMPDIR, no
// container of a test's pod runner and no address a test gave its Nodes may remain, whether the tests passed, failed or were killed on a
// timeout. Each check removes what it finds, so nothing grows from run to run, and fails naming it.
#include <algorithm>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/subprocess.h"
#include "support/leftovers.h"

namespace pave::testing {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Kills pid and, first, its descendants (nginx's workers carry neither the marker nor its directory).
void kill_tree(const std::string& pid) {
  std::ifstream children("/proc/" + pid + "/task/" + pid + "/children");
  for (std::string child; children >> child;) kill_tree(child);
  kill(std::stoi(pid), SIGKILL);
}

TEST(Leftovers, NoProcessTheTestsStartedStillRuns) {
  const std::string suite = env("PAVE_TEST_SUITE");
  ASSERT_FALSE(suite.empty()) << "ctest sets PAVE_TEST_SUITE on every test";
  // Every process a test starts inherits the marker, also when its parent died and init adopted it.
  const std::string marker = "PAVE_TEST_SUITE=" + suite + std::string(1, '\0');
  auto found = processes_mentioning(marker);
  // nginx writes its process title over its environment, marker and all; its command line still names its
  // directory in the suite's test-tmp.
  for (const auto& p : processes_mentioning(suite + "/test-tmp/")) {
    if (std::find(found.begin(), found.end(), p) == found.end()) found.push_back(p);
  }
  for (const auto& p : found) kill_tree(p.substr(0, p.find(' ')));
  EXPECT_EQ(found, std::vector<std::string>{}) << "processes left running by the tests (now killed)";
}

TEST(Leftovers, NoTemporaryDirectoryRemains) {
  const std::string tmp = env("TMPDIR");
  ASSERT_FALSE(tmp.empty()) << "ctest sets TMPDIR on every test";
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(tmp)) {
    found.push_back(entry.path().filename().string());
    std::error_code ignored;
    std::filesystem::remove_all(entry.path(), ignored);
  }
  EXPECT_EQ(found, std::vector<std::string>{}) << "left in " << tmp << " by the tests (now removed)";
}

TEST(Leftovers, NoTestPodRunnerContainerRemains) {
  // The local platform's Node (platform-node) is a developer's, not a test's.
  auto listed = base::run({.argv = {"podman", "ps", "-a", "--filter", "label=io.pave.node", "--format",
                                    "{{.ID}} {{index .Labels \"io.pave.node\"}}"}});
  ASSERT_TRUE(listed.ok()) << listed.err;
  std::vector<std::string> found;
  std::istringstream lines(listed.out);
  for (std::string id, node; lines >> id >> node;) {
    if (node == "platform-node") continue;
    found.push_back(id + " of Node " + node);
    base::run({.argv = {"podman", "rm", "-f", "-t", "0", id}});
  }
  EXPECT_EQ(found, std::vector<std::string>{}) << "containers left by the tests' pod runners (now removed)";
}

TEST(Leftovers, NoNodeAddressRemains) {
  // helm_install_test's Nodes borrow 198.18.0.x on lo (support/pod_runner.h, NodeAddresses).
  auto shown = base::run({.argv = {"ip", "-4", "-o", "address", "show", "dev", "lo"}});
  ASSERT_TRUE(shown.ok()) << shown.err;
  std::vector<std::string> found;
  std::istringstream words(shown.out);
  for (std::string word; words >> word;) {
    if (!word.starts_with("198.18.0.")) continue;
    found.push_back(word);
    base::run({.argv = {"ip", "address", "del", word, "dev", "lo"}});
  }
  EXPECT_EQ(found, std::vector<std::string>{}) << "addresses left on lo by the tests (now removed)";
}

}  // namespace
}  // namespace pave::testing
