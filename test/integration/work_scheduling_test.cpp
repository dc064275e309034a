// The scheduler with a WorkPlacement cache that lags behind the API server: a resource workload group
// must still get exactly one WorkPlacement, however often and by however many workers its Work is
// reconciled before the cache shows the first. (Before the scheduler remembered its choice, every
// reconcile that ran before the cache caught up picked a Destination again: resources landed twice.)
#include <gtest/gtest.h>

#include <map>

#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/object.h"
#include "api/kratix.h"
#include "platform/request_placement_reporter.h"
#include "platform/work_reconciler.h"
#include "support/cluster_environment.h"
#include "support/tcp_proxy.h"

namespace pave::platform {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

constexpr int kDestinations = 10;
constexpr int kWorks = 40;

class WorkScheduling : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", PAVE_CRD_DIR}).ok());
    ASSERT_TRUE(cluster().kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"}).ok());
  }
  void TearDown() override {
    cluster().kubectl({"delete", "destinations", "-l", "suite=" + ns(), "--wait=false"});
    ClusterTest::TearDown();
  }
  std::string work_yaml(int i) {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: Work\nmetadata: {name: rr-" + std::to_string(i) +
           "}\nspec:\n  promiseName: redis\n  resourceName: rr-" + std::to_string(i) +
           "\n  workloadGroups:\n  - id: 5058f1af8388633f609cadb75a75dc9d\n    directory: .\n"
           "    destinationSelectors: [{source: promise, matchLabels: {suite: " + ns() + "}}]\n"
           "    workloads: [{filepath: cm.yaml, content: H4sIAAAAAAAAA8vOz8lJTc7PzcxLBwBWdEu7DwAAAA==}]\n";
  }
};

TEST_F(WorkScheduling, AResourceGroupIsPlacedOnceHoweverTheCacheLags) {
  std::string destinations;
  for (int i = 0; i < kDestinations; ++i) {
    // No state store: the scheduler places on labels alone.
    destinations += "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: " + ns() + "-d" +
                    std::to_string(i) + ", labels: {suite: " + ns() + "}}\nspec: {path: d" + std::to_string(i) +
                    ", stateStoreRef: {kind: GitStateStore, name: none}}\n";
  }
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, destinations).ok());
  std::string works;
  for (int i = 0; i < kWorks; ++i) works += "---\n" + work_yaml(i);
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, works).ok());

  // Everything reads the API server directly except the WorkPlacement cache, whose watch goes through a
  // proxy the test pauses: WorkPlacements the scheduler creates stay out of its cache until resumed.
  auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
  auto client = kube::make_client(config).value();
  const std::string server = config.server;
  const int port = std::stoi(server.substr(server.rfind(':') + 1));
  testing::TcpProxy proxy("127.0.0.1", port);
  auto lagging_config = config;
  lagging_config.server = "https://127.0.0.1:" + std::to_string(proxy.port());
  auto lagging = kube::make_client(lagging_config).value();

  kube::Informer work_cache(client, api::works(), {.namespace_ = ns()});
  kube::Informer placement_cache(lagging, api::work_placements(), {.namespace_ = ns()});
  kube::Informer destination_cache(client, api::destinations());
  kube::Informer promise_cache(client, api::promises());
  work_cache.add_index(RequestPlacementReporter::kRequestIndex, RequestPlacementReporter::request_index());
  placement_cache.add_index(WorkReconciler::kWorkIndex, WorkReconciler::work_index());
  for (auto* i : {&work_cache, &placement_cache, &destination_cache, &promise_cache}) i->start();
  for (auto* i : {&work_cache, &placement_cache, &destination_cache, &promise_cache}) ASSERT_TRUE(i->wait_for_sync(60s));
  ASSERT_TRUE(eventually([&] { return destination_cache.store().list().size() >= kDestinations; }, 30s));
  proxy.set_paused(true);

  kube::EventRecorder events(client, {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "test"});
  auto scheduler = std::make_shared<WorkReconciler>(client, work_cache, placement_cache, destination_cache, promise_cache, events);
  kube::Controller controller("work", scheduler, {.workers = 16});
  controller.start();
  // Every Work reconciled again and again while its WorkPlacement is missing from the cache.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < kWorks; ++i) controller.enqueue({ns(), "rr-" + std::to_string(i)});
    // Not a wait for a condition: the scenario is reconciles spread over time, each round after the last
    // round's creates, while the cache stays blind to them.
    std::this_thread::sleep_for(400ms);
  }
  ASSERT_TRUE(eventually([&] { return controller.queue().len() == 0; }, 60s));
  controller.stop();
  proxy.set_paused(false);

  auto placements = client.list(api::work_placements(), ns());
  ASSERT_TRUE(placements.has_value());
  std::map<std::string, std::vector<std::string>> by_work;
  for (const auto& wp : placements->items) {
    by_work[kube::meta::label(wp, api::kLabelWork)].push_back(kube::child(wp, "spec").value("targetDestinationName", ""));
  }
  EXPECT_EQ(by_work.size(), static_cast<size_t>(kWorks)) << "every Work placed";
  for (const auto& [work, dests] : by_work) {
    EXPECT_EQ(dests.size(), 1u) << work << " placed on " << ::testing::PrintToString(dests);
  }
  for (auto* i : {&work_cache, &placement_cache, &destination_cache, &promise_cache}) i->request_stop();
  for (auto* i : {&work_cache, &placement_cache, &destination_cache, &promise_cache}) i->stop();
  kubectl({"delete", "works,workplacements", "--all", "--wait=false"});
}

}  // namespace
}  // namespace pave::platform
