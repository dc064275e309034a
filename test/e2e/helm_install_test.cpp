// Pave installed the way its users install it: `helm install` of deploy/helm/pave into a fresh platform
// cluster whose two Nodes are pod runners (each with an address of its own, 198.18.0.2 and .3), the API
// server reaching the webhook Service's endpoints through --enable-aggregator-routing (there is no
// kube-proxy). Then, with Pave running only inside the cluster:
//   - both replicas Ready, one holding the Lease, each on its own Node, running as non-root on a
//     read-only root filesystem; the webhook configurations carry Pave's CA and its Service two endpoints;
//   - Kratix's core scenario (support/core_scenario.h) against a Git-backed pair of Destinations;
//   - the leader's pod deleted mid-scenario: the other replica takes the Lease within the lease duration
//     and the scenario continues;
//   - `helm upgrade` to a chart whose CRDs add a field keeps every object and request, and the field works;
//   - `helm uninstall` removes Pave and leaves the CRDs and the users' objects.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "support/cluster_environment.h"
#include "support/core_scenario.h"
#include "support/git_server.h"
#include "support/pod_runner.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kNamespace = "kratix-platform-system";
// A pod-runner Node's pods share its address: a rolling update may not put a second replica on a Node.
const std::vector<std::string> kOneAddressANode = {"updateStrategy.rollingUpdate.maxSurge=0",
                                                   "updateStrategy.rollingUpdate.maxUnavailable=1"};

std::vector<PodRunner*> g_runners;

// The Nodes: two pod runners with addresses of their own, and the images they run.
class NodesEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto images = build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY);
    ASSERT_FALSE(images.has_value()) << *images;
    dir_.emplace(base::TempDir::create("helm-nodes").value());
    for (auto* runner : {&node_a_, &node_b_}) {
      const std::string state = (dir_->path() / runner->node()).string();
      fs::create_directories(state);
      auto started = runner->start(ClusterEnvironment::cluster().kubeconfig, state);
      ASSERT_FALSE(started.has_value()) << *started;
      g_runners.push_back(runner);
    }
  }
  void TearDown() override {
    for (auto* runner : {&node_a_, &node_b_}) {
      runner->stop();
      runner->remove_containers();
    }
    g_runners.clear();
    dir_.reset();
  }

 private:
  std::optional<base::TempDir> dir_;
  PodRunner node_a_{PAVE_POD_RUNNER, "helm-node-a-" + std::to_string(getpid()), "198.18.0.2"};
  PodRunner node_b_{PAVE_POD_RUNNER, "helm-node-b-" + std::to_string(getpid()), "198.18.0.3"};
};

// The Nodes' addresses, there before the runners start and gone after them.
class AddressesEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto added = NodeAddresses::add(2, 2);
    ASSERT_TRUE(added.has_value()) << added.error();
    addresses_.emplace(std::move(*added));
  }
  void TearDown() override { addresses_.reset(); }

 private:
  std::optional<NodeAddresses> addresses_;
};

class HelmInstall : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    helm_home_.emplace(base::TempDir::create("helm-home").value());
    auto server = GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    scenario_.emplace(cluster(), ns(), *git_);
  }
  void TearDown() override {
    if (scenario_ && installed_) scenario_->tear_down();
    if (installed_) helm({"uninstall", "pave", "--namespace", kNamespace, "--wait", "--timeout", "2m"});
    ClusterTest::TearDown();
  }

  // helm against the test's cluster, with its own cache and config (nothing written under $HOME).
  base::ProcessOutput helm(std::vector<std::string> args) const {
    args.insert(args.begin(), std::string(PAVE_HELM_BIN) + "/helm");
    args.insert(args.end(), {"--kubeconfig", cluster().kubeconfig});
    const std::string home = helm_home_->path().string();
    return base::run({.argv = args,
                      .env = {{"HELM_CACHE_HOME", home + "/cache"}, {"HELM_CONFIG_HOME", home + "/config"},
                              {"HELM_DATA_HOME", home + "/data"}},
                      .timeout = 6min});
  }
  std::string system(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-n", kNamespace});
    return cluster().kubectl(args).out;
  }
  std::string leader() const { return system({"get", "lease", "pave-controller", "-o", "jsonpath={.spec.holderIdentity}"}); }
  std::vector<std::string> ready_pods() const {
    std::istringstream lines(system({"get", "pods", "-l", "control-plane=controller-manager", "-o",
        R"(jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end})"}));
    std::vector<std::string> names;
    for (std::string name, ready; lines >> name >> ready;) {
      if (ready == "True") names.push_back(name);
    }
    return names;
  }
  std::string debug() const {
    std::string out = system({"get", "deploy,rs,pods,lease,endpointslices", "-o", "wide"});
    for (const auto& p : ready_pods()) {
      for (auto* runner : g_runners) out += runner->logs(cluster().kubeconfig, kNamespace + "/" + p, "manager");
    }
    return out;
  }

  void install_and_wait_ready();
  void fail_over_the_leader();
  void upgrade_with_a_new_crd_field();
  void nothing_was_forbidden();
  void uninstall_keeps_crds_and_objects();

  std::optional<base::TempDir> helm_home_;
  std::optional<GitServer> git_;
  std::optional<CoreScenario> scenario_;
  bool installed_ = false;
};

void HelmInstall::install_and_wait_ready() {
  auto installed = helm({"install", "pave", PAVE_CHART_DIR, "--namespace", kNamespace, "--create-namespace", "--wait",
                         "--timeout", "5m", "--set", kOneAddressANode[0], "--set", kOneAddressANode[1]});
  ASSERT_TRUE(installed.ok()) << installed.out << installed.err << debug();
  installed_ = true;
  ASSERT_TRUE(eventually([&] { return ready_pods().size() == 2 && !leader().empty(); }, 120s)) << debug();
  EXPECT_EQ(system({"get", "deployment", "pave-controller", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}"}), "2/2");
  const auto pods = ready_pods();
  EXPECT_TRUE(leader() == pods[0] || leader() == pods[1]) << leader();
  const std::string nodes = system({"get", "pods", "-l", "control-plane=controller-manager", "-o",
                                    "jsonpath={.items[*].spec.nodeName}"});
  EXPECT_NE(nodes.substr(0, nodes.find(' ')), nodes.substr(nodes.find(' ') + 1)) << "one replica a Node: " << nodes;

  // The container as the chart asks: Pave's image, user 65532, read-only root filesystem.
  const std::string uid = system({"get", "pod", pods[0], "-o", "jsonpath={.metadata.uid}"});
  auto inspect = base::run({.argv = {"podman", "ps", "-q", "--filter", "label=io.pave.pod-uid=" + uid}});
  ASSERT_FALSE(inspect.out.empty()) << "no container for pod " << pods[0];
  auto config = base::run({.argv = {"podman", "inspect", "--format", "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.ImageName}}",
                                    inspect.out.substr(0, inspect.out.find('\n'))}});
  EXPECT_EQ(config.out, "65532:65532 true localhost/pave:dev\n");

  // The webhooks: Pave's CA in every configuration, both replicas behind the Service.
  for (const char* kind : {"validatingwebhookconfiguration/pave-validating-webhook-configuration",
                           "mutatingwebhookconfiguration/pave-mutating-webhook-configuration"}) {
    const std::string bundles = cluster().kubectl({"get", kind, "-o", "jsonpath={.webhooks[*].clientConfig.caBundle}"}).out;
    EXPECT_FALSE(bundles.empty()) << kind;
    EXPECT_EQ(bundles.find("  "), std::string::npos) << kind << " has a webhook without a CA bundle";
  }
  std::istringstream endpoints(system({"get", "endpointslices", "-l", "kubernetes.io/service-name=pave-webhook-service",
                                       "-o", "jsonpath={.items[*].endpoints[*].addresses[0]}"}));
  std::set<std::string> addresses{std::istream_iterator<std::string>(endpoints), std::istream_iterator<std::string>()};
  EXPECT_EQ(addresses, (std::set<std::string>{"198.18.0.2", "198.18.0.3"}));
}

void HelmInstall::fail_over_the_leader() {
  const std::string old_leader = leader();
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(system({"delete", "pod", old_leader, "--wait=false"}).find("deleted") != std::string::npos);
  ASSERT_TRUE(eventually([&] {
    const std::string now = leader();
    return !now.empty() && now != old_leader;
  }, 60s)) << debug();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before);
  // The old leader lets the Lease go when it stops (SIGTERM); at worst the standby waits a lease duration.
  EXPECT_LT(took, 15s + 5s) << "took " << took.count() << " ms";
  std::cout << "[ helm ] leader " << old_leader << " deleted; " << leader() << " leads after " << took.count() << " ms\n";
  ASSERT_TRUE(eventually([&] { return ready_pods().size() == 2; }, 120s)) << "the ReplicaSet's new pod\n" << debug();
}

void HelmInstall::upgrade_with_a_new_crd_field() {
  // The chart, copied with a new optional field in the Destination CRD's spec.
  auto dir = base::TempDir::create("helm-chart").value();
  const fs::path chart = dir.path() / "pave";
  ASSERT_TRUE(base::run({.argv = {"cp", "-rL", PAVE_CHART_DIR, chart.string()}}).ok());
  const fs::path crd = chart / "files/crds/platform.kratix.io_destinations.yaml";
  std::ifstream in(crd);
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string anchor = "            properties:\n              path:";
  ASSERT_NE(yaml.find(anchor), std::string::npos) << "the Destination CRD's spec properties moved";
  yaml.replace(yaml.find(anchor), anchor.size(),
               "            properties:\n              e2eNote:\n                description: added by helm_install_test\n"
               "                type: string\n              path:");
  std::ofstream(crd) << yaml;

  // A changed Kratix config too, so the pods roll (Pave reads its config at start).
  const std::string before = system({"get", "pods", "-l", "control-plane=controller-manager", "-o",
                                     "jsonpath={.items[*].metadata.name}"});
  auto upgraded = helm({"upgrade", "pave", chart.string(), "--namespace", kNamespace, "--wait", "--timeout", "5m",
                        "--set", kOneAddressANode[0], "--set", kOneAddressANode[1], "--set", "kratixConfig.numberOfJobsToKeep=4"});
  ASSERT_TRUE(upgraded.ok()) << upgraded.out << upgraded.err;
  EXPECT_NE(system({"get", "configmap", "kratix", "-o", "jsonpath={.data.config}"}).find("numberOfJobsToKeep: 4"),
            std::string::npos);
  ASSERT_TRUE(eventually([&] {
    const auto now = ready_pods();
    return now.size() == 2 && before.find(now[0]) == std::string::npos && before.find(now[1]) == std::string::npos;
  }, 180s)) << "both replicas replaced by the rollout\n" << debug();
  EXPECT_NE(cluster().kubectl({"get", "crd", "destinations.platform.kratix.io", "-o",
                               "jsonpath={.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.e2eNote.type}"}).out,
            "") << "helm upgrade changed the CRD";
  // A field the CRD did not have would be pruned: reading it back shows the new schema took effect.
  auto noted = cluster().kubectl({"patch", "destination", "worker-1", "--type=merge", "-p",
                                  R"({"spec":{"e2eNote":"kept"}})"});
  EXPECT_TRUE(noted.ok()) << noted.err;
  EXPECT_EQ(cluster().kubectl({"get", "destination", "worker-1", "-o", "jsonpath={.spec.e2eNote}"}).out, "kept");
  // Everything is still there and still served.
  EXPECT_EQ(cluster().kubectl({"get", "promise", "testbundle", "-o", "jsonpath={.status.status}"}).out, "Available");
  EXPECT_EQ(kubectl({"get", "testbundle", "kratix-test", "-o",
                     R"(jsonpath={.status.conditions[?(@.type=="Reconciled")].status})"}).out, "True");
  EXPECT_EQ(cluster().kubectl({"get", "destinations", "-o", "jsonpath={.items[*].metadata.name}"}).out, "worker-1 worker-2");
  ASSERT_TRUE(eventually([&] { return ready_pods().size() == 2 && !leader().empty(); }, 120s)) << debug();
}

// Least privilege that works: nothing Pave asked the API server for was refused in the whole run.
void HelmInstall::nothing_was_forbidden() {
  for (const auto& pod : ready_pods()) {
    std::string logs;
    for (auto* runner : g_runners) logs += runner->logs(cluster().kubeconfig, kNamespace + "/" + pod, "manager");
    ASSERT_FALSE(logs.empty()) << pod;
    EXPECT_EQ(logs.find("forbidden"), std::string::npos) << pod << ":\n" << logs;
    EXPECT_EQ(logs.find("\"level\":\"error\""), std::string::npos) << pod << ":\n" << logs;
  }
}

void HelmInstall::uninstall_keeps_crds_and_objects() {
  auto removed = helm({"uninstall", "pave", "--namespace", kNamespace, "--wait", "--timeout", "2m"});
  ASSERT_TRUE(removed.ok()) << removed.out << removed.err;
  installed_ = false;
  EXPECT_TRUE(eventually([&] {
    return system({"get", "pods", "-l", "control-plane=controller-manager", "-o", "name"}).empty();
  }, 60s)) << debug();
  EXPECT_EQ(system({"get", "deployment,service,serviceaccount,configmap/kratix,role,rolebinding", "-l",
                    "app.kubernetes.io/name=pave", "-o", "name"}), "");
  EXPECT_EQ(cluster().kubectl({"get", "validatingwebhookconfigurations,mutatingwebhookconfigurations,clusterrole/pave-controller",
                               "-o", "name", "--ignore-not-found"}).out, "");
  const std::string crds = cluster().kubectl({"get", "crds", "-o", "name"}).out;
  for (const char* kind : {"promises", "destinations", "gitstatestores", "works", "workplacements"}) {
    EXPECT_NE(crds.find(std::string(kind) + ".platform.kratix.io"), std::string::npos) << kind << " CRD kept";
  }
  EXPECT_EQ(cluster().kubectl({"get", "promise", "testbundle", "-o", "name"}).out, "promise.platform.kratix.io/testbundle\n");
  EXPECT_EQ(cluster().kubectl({"get", "destinations", "-o", "jsonpath={.items[*].metadata.name}"}).out, "worker-1 worker-2");
  EXPECT_EQ(cluster().kubectl({"get", "gitstatestore", "core", "-o", "name"}).out, "gitstatestore.platform.kratix.io/core\n");
  // With no Pave to finish them, what remains is let go of by hand.
  for (const char* object : {"promise/testbundle", "destination/worker-1", "destination/worker-2", "gitstatestore/core"}) {
    cluster().kubectl({"patch", object, "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  }
}

TEST_F(HelmInstall, RunsInTheClusterFailsOverUpgradesAndUninstalls) {
  ASSERT_NO_FATAL_FAILURE(install_and_wait_ready());
  ASSERT_NO_FATAL_FAILURE(scenario_->set_up_destinations());
  ASSERT_NO_FATAL_FAILURE(scenario_->promise_is_available());
  ASSERT_NO_FATAL_FAILURE(scenario_->request_is_fulfilled());
  ASSERT_NO_FATAL_FAILURE(nothing_was_forbidden());  // the first leader's logs go with its pod
  ASSERT_NO_FATAL_FAILURE(fail_over_the_leader());
  ASSERT_NO_FATAL_FAILURE(scenario_->request_update_reruns());
  ASSERT_NO_FATAL_FAILURE(upgrade_with_a_new_crd_field());
  ASSERT_NO_FATAL_FAILURE(scenario_->promise_update_reruns());
  ASSERT_NO_FATAL_FAILURE(scenario_->deletions_clean_up());
  // Users' objects to outlive the release: the Promise again (its Destinations and store are there).
  ASSERT_NO_FATAL_FAILURE(scenario_->promise_is_available());
  ASSERT_NO_FATAL_FAILURE(nothing_was_forbidden());
  ASSERT_NO_FATAL_FAILURE(uninstall_keeps_crds_and_objects());
}

}  // namespace
}  // namespace pave::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::AddressesEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment(
      pave::testing::LocalCluster::Options{.apiserver_args = {"--enable-aggregator-routing=true"}}));
  ::testing::AddGlobalTestEnvironment(new pave::testing::NodesEnvironment);
  return RUN_ALL_TESTS();
}
