// Leader election between two real processes (pave-test-leader) over a real Lease: exactly one leads;
// when the leader dies the other takes over within the lease duration; a leader cut off from the API
// server stops its controllers before anyone else can start leading.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <mutex>
#include <thread>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "support/cluster_environment.h"
#include "support/tcp_proxy.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A candidate process and the lines it printed, with when they arrived.
class Candidate {
 public:
  Candidate(const ClusterAccess& cluster, const std::string& ns, const std::string& id, const std::string& server = "")
      : id_(id) {
    std::vector<std::string> argv{PAVE_LEADER_HELPER, cluster.kubeconfig, ns, id};
    if (!server.empty()) argv.push_back(server);
    auto child = base::Child::spawn(argv, {}, "/dev/null");
    EXPECT_TRUE(child.has_value()) << child.error();
    child_.emplace(std::move(*child));
    reader_ = std::thread([this] {
      while (auto line = child_->read_line(60s)) {
        std::lock_guard lock(mu_);
        lines_.push_back({*line, Clock::now()});
      }
    });
  }
  ~Candidate() {
    kill();
    reader_.join();
  }
  void kill() {
    if (child_) child_->signal(SIGKILL), child_->wait_for(5s);
  }
  // When the candidate first printed "<what> <id>", if it has.
  std::optional<Clock::time_point> when(const std::string& what) const {
    std::lock_guard lock(mu_);
    for (const auto& [line, at] : lines_) {
      if (line == what + " " + id_) return at;
    }
    return std::nullopt;
  }
  int count(const std::string& what) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [line, at] : lines_) n += line == what + " " + id_;
    return n;
  }
  std::optional<Clock::time_point> last(const std::string& what) const {
    std::lock_guard lock(mu_);
    std::optional<Clock::time_point> t;
    for (const auto& [line, at] : lines_) {
      if (line == what + " " + id_) t = at;
    }
    return t;
  }

 private:
  std::string id_;
  std::optional<base::Child> child_;
  std::thread reader_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Clock::time_point>> lines_;
};

class LeaderElection : public ClusterTest {};

TEST_F(LeaderElection, ExactlyOneLeadsAndTheOtherTakesOverWithinTheLeaseDuration) {
  Candidate a(cluster(), ns(), "alpha");
  ASSERT_TRUE(eventually([&] { return a.when("LEADING").has_value(); }, 20s)) << "alpha never led";
  Candidate b(cluster(), ns(), "beta");
  std::this_thread::sleep_for(4s);  // longer than the 3 s lease: a healthy leader keeps it
  EXPECT_FALSE(b.when("LEADING").has_value()) << "two leaders at once";
  EXPECT_GT(a.count("TICK"), 10) << "the leader's controller runs";
  EXPECT_EQ(b.count("TICK"), 0) << "a follower's controller must not run";
  EXPECT_EQ(kubectl({"get", "lease", "pave-test-leader", "-o", "jsonpath={.spec.holderIdentity}"}).out, "alpha");

  const auto killed = Clock::now();
  a.kill();
  ASSERT_TRUE(eventually([&] { return b.when("LEADING").has_value(); }, 10s)) << "beta never took over";
  // Lease duration 3 s, checked every 0.5 s: beta leads within 3.5 s (plus scheduling slack).
  EXPECT_LT(*b.when("LEADING") - killed, 4500ms);
  EXPECT_TRUE(eventually([&] { return b.count("TICK") > 0; }, 5s));
  EXPECT_EQ(kubectl({"get", "lease", "pave-test-leader", "-o", "jsonpath={.spec.holderIdentity}"}).out, "beta");
  EXPECT_EQ(kubectl({"get", "lease", "pave-test-leader", "-o", "jsonpath={.spec.leaseTransitions}"}).out, "1");
}

TEST_F(LeaderElection, ALeaderThatCannotRenewStopsBeforeAnotherStarts) {
  const int api_port = std::stoi(cluster().server.substr(cluster().server.rfind(':') + 1));
  TcpProxy proxy("127.0.0.1", api_port);
  Candidate a(cluster(), ns(), "cut-off", "https://127.0.0.1:" + std::to_string(proxy.port()));
  ASSERT_TRUE(eventually([&] { return a.when("LEADING").has_value(); }, 20s));
  Candidate b(cluster(), ns(), "standby");
  std::this_thread::sleep_for(1s);

  proxy.set_blocked(true);
  proxy.drop_all();
  ASSERT_TRUE(eventually([&] { return a.when("LOST").has_value(); }, 10s)) << "the cut-off leader kept leading";
  ASSERT_TRUE(eventually([&] { return b.when("LEADING").has_value(); }, 10s)) << "the standby never took over";
  EXPECT_LT(*a.last("TICK"), *a.when("LOST")) << "the controller stops before the process reports the loss";
  EXPECT_LT(*a.when("LOST"), *b.when("LEADING")) << "the old leader must stop before the new one starts";
}

// `pave controller`, leading, then cut off from its API server, and told to stop (SIGTERM): it stops within
// a few seconds whatever the server does, well inside the 30 s a pod is given. Before, its Lease renewal
// and its workers' requests ran through their retries and timeouts first (12 s measured with the server
// gone, and a request timeout of 30 s with one that never answers).
class StoppingCutOff : public LeaderElection, public ::testing::WithParamInterface<std::string> {};

TEST_P(StoppingCutOff, APaveControllerStopsWithinSecondsOfSigterm) {
  ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
  const int api_port = std::stoi(cluster().server.substr(cluster().server.rfind(':') + 1));
  TcpProxy proxy("127.0.0.1", api_port);
  auto dir = base::TempDir::create("stopping-cut-off").value();
  std::string kubeconfig = read_text(cluster().kubeconfig);
  kubeconfig.replace(kubeconfig.find(cluster().server), cluster().server.size(), "https://127.0.0.1:" + std::to_string(proxy.port()));
  std::ofstream(dir.path() / "kubeconfig") << kubeconfig;
  const std::string log = (dir.path() / "controller.log").string();
  auto controller = base::Child::spawn({PAVE_BINARY, "controller", "--kubeconfig", (dir.path() / "kubeconfig").string(), "--cache-dir",
                                        (dir.path() / "cache").string(), "--health-port", "-1", "--leader-elect",
                                        "--lease-namespace", ns()},
                                       {{"POD_NAME", "cut-off"}}, log);
  ASSERT_TRUE(controller.has_value()) << controller.error();
  ASSERT_TRUE(eventually([&] { return read_text(log).find("became leader") != std::string::npos; }, 30s)) << read_text(log);

  if (GetParam() == "gone") {
    proxy.set_blocked(true);  // every new connection is closed at once
    proxy.drop_all();
  } else {
    proxy.set_paused(true);  // connections stay open and carry nothing
  }
  std::this_thread::sleep_for(2s);  // the renewals, watches and workers meet the fault
  const auto signalled = Clock::now();
  controller->signal(SIGTERM);
  const auto code = controller->wait_for(40s);
  const auto took = Clock::now() - signalled;
  ASSERT_TRUE(code.has_value()) << "still running 40 s after SIGTERM";
  EXPECT_EQ(*code, 0) << read_text(log);
  // 3 s of grace (the abandoned transfers notice within a second), a second each for giving the Lease
  // back, and slack for a sanitizer build on 2 cores.
  EXPECT_LT(took, 9s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  proxy.set_paused(false);
}

INSTANTIATE_TEST_SUITE_P(ApiServer, StoppingCutOff, ::testing::Values("gone", "silent"));

}  // namespace
}  // namespace pave::testing
