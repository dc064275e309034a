// API-server faults under Pave's controllers (issue 20), from the real kube-apiserver: the server
// restarted mid-rollout, etcd slow behind it, and a 429 storm made by its own API Priority and Fairness. Pave's controllers run as a ServiceAccount that a FlowSchema puts
// in a priority level of a few seats that rejects whatever does not fit at once (limitResponse Reject,
// no borrowing), so lists, watches, creates and status writes alike meet 429s while 80 Works are
// scheduled and written. Every one must still land: one WorkPlacement each, its one file in the store. (Dropped connections and compacted
// watches (410) are informer_test's.)
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "kube/config.h"
#include "support/cluster_environment.h"
#include "support/platform_fixture.h"

namespace pave::platform {
namespace {

// The regular files under dir (0 when it does not exist).
int files_under(const std::string& dir) {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    n += it->is_regular_file() ? 1 : 0;
  }
  return n;
}

// Works w<i> for requests r<i>, each selecting the test's Destination (PlatformControllers::git_destination),
// and what must hold once they are placed, whatever failed meanwhile.
class Rollout : public PlatformControllers {
 protected:
  void apply_works(int from, int to) {
    std::string works;
    for (int i = from; i < to; ++i) works += "---\n" + resource_work("w" + std::to_string(i), "r" + std::to_string(i));
    auto applied = kubectl({"apply", "-f", "-"}, works);
    ASSERT_TRUE(applied.ok()) << applied.err;
  }
  long ready_placements() const {
    auto out = kubectl({"get", "workplacements", "-o",
                        "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"}).out;
    return std::count(out.begin(), out.end(), 'T');  // "True" lines
  }
  // Works w0..w<n-1> each have one WorkPlacement, and each request's directory under path in the store
  // holds its one file.
  void expect_placed_once(int n, const testing::GitServer& server, const std::string& path) const {
    std::istringstream owners(kubectl({"get", "workplacements", "-o",
                                       "jsonpath={range .items[*]}{.metadata.ownerReferences[0].name}{\"\\n\"}{end}"}).out);
    std::vector<std::string> lines;
    for (std::string owner; std::getline(owners, owner);) lines.push_back(owner);
    EXPECT_EQ(lines.size(), static_cast<size_t>(n));
    EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), static_cast<size_t>(n)) << "a Work without its WorkPlacement";
    const std::string clone = server.clone("state");
    for (int i = 0; i < n; ++i) {
      const std::string dir = clone + "/" + path + "/resources/" + ns() + "/redis/r" + std::to_string(i);
      EXPECT_EQ(files_under(dir), 1) << dir;
    }
  }
};

class ApiFaults : public Rollout {
 protected:
  void SetUp() override {
    Rollout::SetUp();
    if (HasFatalFailure()) return;
    stop_controllers();
    throttled_ = "pave-throttled-" + ns();
    apply({{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "pave"}, {"namespace", ns()}}}},
           {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRoleBinding"}, {"metadata", {{"name", throttled_}}},
            {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "cluster-admin"}}},
            {"subjects", {{{"kind", "ServiceAccount"}, {"name", "pave"}, {"namespace", ns()}}}}},
           {{"apiVersion", "flowcontrol.apiserver.k8s.io/v1"}, {"kind", "PriorityLevelConfiguration"}, {"metadata", {{"name", throttled_}}},
            {"spec", {{"type", "Limited"},
                      {"limited", {{"nominalConcurrencyShares", 1}, {"lendablePercent", 0}, {"borrowingLimitPercent", 0},
                                   {"limitResponse", {{"type", "Reject"}}}}}}}},
           {{"apiVersion", "flowcontrol.apiserver.k8s.io/v1"}, {"kind", "FlowSchema"}, {"metadata", {{"name", throttled_}}},
            {"spec", {{"priorityLevelConfiguration", {{"name", throttled_}}}, {"matchingPrecedence", 500},
                      {"distinguisherMethod", {{"type", "ByUser"}}},
                      {"rules", {{{"subjects", {{{"kind", "ServiceAccount"}, {"serviceAccount", {{"name", "pave"}, {"namespace", ns()}}}}}},
                                  {"resourceRules", {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}},
                                                      {"clusterScope", true}, {"namespaces", {"*"}}}}},
                                  {"nonResourceRules", {{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}}}}}}}}});
    if (HasFatalFailure()) return;
    auto token = kubectl({"create", "token", "pave", "--duration=2h"});
    ASSERT_TRUE(token.ok()) << token.err;
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    config.client_cert_data.clear();
    config.client_key_data.clear();
    config.client_cert_file.clear();
    config.client_key_file.clear();
    config.token = token.out.substr(0, token.out.find_last_not_of("\n") + 1);
    config.qps = 0;  // as `pave controller` runs against a server with priority and fairness: the server limits
    client_.emplace(kube::make_client(config).value());
    start_controllers();
  }
  void TearDown() override {
    kubectl({"delete", "works", "--all", "--wait=false"});
    PlatformControllers::TearDown();
    cluster().kubectl({"delete", "flowschema,prioritylevelconfiguration,clusterrolebinding", throttled_, "--ignore-not-found"});
  }

  // Requests the API server has rejected for the throttled priority level so far.
  long rejected() const {
    const std::string metrics = cluster().kubectl({"get", "--raw", "/metrics"}).out;
    const std::regex line("apiserver_flowcontrol_rejected_requests_total\\{[^}]*priority_level=\"" + throttled_ + "\"[^}]*\\} ([0-9.e+]+)");
    long total = 0;
    for (std::sregex_iterator it(metrics.begin(), metrics.end(), line), end; it != end; ++it) total += std::stol((*it)[1]);
    return total;
  }

  std::string throttled_;
};

TEST_F(ApiFaults, ATooManyRequestsStormFromTheApiServerLosesAndRepeatsNothing) {
  std::optional<testing::GitServer> server;
  const std::string dest = "storm";
  ASSERT_NO_FATAL_FAILURE(git_destination(server, dest, "storm"));
  const long rejected_before = rejected();
  constexpr int kWorks = 80;
  ASSERT_NO_FATAL_FAILURE(apply_works(0, kWorks));
  ASSERT_TRUE(eventually([&] { return ready_placements() == kWorks; }, std::chrono::seconds(240)))
      << ready_placements() << " of " << kWorks << " WorkPlacements Ready; " << rejected() - rejected_before << " requests rejected";
  const long storm = rejected() - rejected_before;
  EXPECT_GT(storm, 0) << "the API server rejected nothing: no storm was made";
  std::cout << "api_faults: " << storm << " requests rejected with 429 while " << kWorks << " Works were placed\n";
  expect_placed_once(kWorks, *server, "storm");
}

// The API server stopped and started again (same port, same etcd) while 100 Works roll out: watches
// break, requests are refused for a few seconds, and then everything in flight and everything created
// after must still land, once.
using ApiRestart = Rollout;

TEST_F(ApiRestart, AnApiServerRestartedMidRolloutLosesAndRepeatsNothing) {
  const testing::LocalCluster* local = testing::ClusterEnvironment::local_cluster();
  if (!local) GTEST_FAIL() << "this test restarts the API server: run it on a cluster it starts (not PAVE_TEST_KUBECONFIG)";
  std::optional<testing::GitServer> server;
  const std::string dest = "api-restart";  // a label value of Pave's: short enough beside the namespace
  ASSERT_NO_FATAL_FAILURE(git_destination(server, dest, "restart"));
  ASSERT_NO_FATAL_FAILURE(apply_works(0, 100));
  ASSERT_TRUE(eventually([&] { return ready_placements() >= 10; }, 60s))
      << kubectl({"get", "work", "w0", "-o", "yaml"}).out;
  local->restart_apiserver();
  // Down within moments; back once its /readyz says so.
  EXPECT_TRUE(eventually([&] { return !cluster().kubectl({"get", "--raw", "/readyz"}).ok(); }, 10s, 20ms)) << "it never went away";
  ASSERT_TRUE(eventually([&] { return cluster().kubectl({"get", "--raw", "/readyz"}).ok(); }, 60s));
  // Works made after the restart reach Pave only through watches made again.
  ASSERT_NO_FATAL_FAILURE(apply_works(100, 110));
  ASSERT_TRUE(eventually([&] { return ready_placements() == 110; }, 120s)) << ready_placements() << " of 110 Ready";

  expect_placed_once(110, *server, "restart");
  kubectl({"delete", "works", "--all", "--wait=false"});
}

// etcd slow (every chunk between the API server and etcd held 30 ms, either way) while 60 Works roll
// out: requests take long and watches lag, and every Work must still be placed once.
using SlowEtcd = Rollout;

TEST_F(SlowEtcd, ASlowEtcdLosesAndRepeatsNothing) {
  const testing::LocalCluster* local = testing::ClusterEnvironment::local_cluster();
  if (!local) GTEST_FAIL() << "this test slows etcd: run it on a cluster it starts (not PAVE_TEST_KUBECONFIG)";
  std::optional<testing::GitServer> server;
  ASSERT_NO_FATAL_FAILURE(git_destination(server, "slow-etcd", "slow"));
  struct Fast {  // etcd back to full speed whatever happens
    const testing::LocalCluster* local;
    ~Fast() { local->set_etcd_latency(0ms); }
  } fast{local};
  // How long the API server takes to write a ConfigMap (to etcd and back), the fastest of three.
  int written = 0;
  auto write_time = [&] {
    auto best = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 3; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      auto made = client_->create(kube::resources::configmaps(), ns(),
                                  {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "probe-" + std::to_string(written++)}}}});
      EXPECT_TRUE(made.has_value());
      best = std::min(best, std::chrono::steady_clock::now() - t0);
    }
    return best;
  };
  const auto fast_write = write_time();
  local->set_etcd_latency(30ms);
  // The launcher reads the latency every 250 ms: slow once a write (there and back) takes two chunks' wait.
  auto slow_write = fast_write;
  EXPECT_TRUE(eventually([&] { return (slow_write = write_time()) >= 60ms; }, 5s, 100ms))
      << "etcd is not slow: a write took " << std::chrono::duration_cast<std::chrono::milliseconds>(slow_write).count() << " ms ("
      << std::chrono::duration_cast<std::chrono::milliseconds>(fast_write).count() << " ms before)";
  const auto start = std::chrono::steady_clock::now();
  constexpr int kWorks = 60;
  ASSERT_NO_FATAL_FAILURE(apply_works(0, kWorks));
  ASSERT_TRUE(eventually([&] { return ready_placements() == kWorks; }, 300s)) << ready_placements() << " of " << kWorks;
  std::cout << "api_faults: a write takes " << std::chrono::duration_cast<std::chrono::milliseconds>(slow_write).count() << " ms (was "
            << std::chrono::duration_cast<std::chrono::milliseconds>(fast_write).count() << " ms); " << kWorks
            << " Works placed through the slow etcd in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count() << " s\n";
  expect_placed_once(kWorks, *server, "slow");
  kubectl({"delete", "works", "--all", "--wait=false"});
}

}  // namespace
}  // namespace pave::platform

// The API server of this binary admits 15 requests at once (10 reading, 5 mutating) instead of 600, so
// the throttled priority level gets one seat of them: nearly every request Pave sends while another of
// its requests is in flight is rejected. It reaches etcd through the launcher's proxy, which can slow it.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment(
      {.apiserver_args = {"--max-requests-inflight=10", "--max-mutating-requests-inflight=5"}, .etcd_proxy = true}));
  return RUN_ALL_TESTS();
}
