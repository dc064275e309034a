// Kratix's core end-to-end scenario (kratix-spec.md 7.2, "Core"; the steps are support/core_scenario.h)
// on Pave: the real control plane, the pod runner running every pipeline Job with the images built here
// (the adapter steps are `pave adapter` in localhost/pave:dev), Pave's controllers as `pave controller`
// wires them in this process, and a real Git server as the state store of two Destinations.
// helm_install_test runs the same scenario with Pave installed in the cluster by its chart.
#include <gtest/gtest.h>

#include <thread>

#include "base/temp_dir.h"
#include "kube/manager.h"
#include "platform/controllers.h"
#include "support/cluster_environment.h"
#include "support/core_scenario.h"
#include "support/git_server.h"
#include "support/runner_environment.h"

namespace pave::platform {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

class WorkflowCore : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto server = testing::GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    scenario_.emplace(cluster(), ns(), *git_);
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    cache_.emplace(base::TempDir::create("core-cache").value());
    registry_ = std::make_unique<StateStoreRegistry>();
    manager_ = std::make_unique<kube::Manager>(*client_, kube::ManagerOptions{.name = "core",
        .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "core-test"}});
    ControllerOptions options{.cache_dir = cache_->path().string(), .secret_namespace = ns(),
                              .adapter_image = "localhost/pave:dev"};
    workflows_ = add_controllers(*manager_, *registry_, options);
    runner_ = std::thread([this] { manager_->run(); });
    ASSERT_NO_FATAL_FAILURE(scenario_->set_up_destinations());
  }
  void TearDown() override {
    if (scenario_) scenario_->tear_down();
    if (manager_) manager_->stop();
    if (runner_.joinable()) runner_.join();
    registry_.reset();
    workflows_.reset();
    manager_.reset();
    ClusterTest::TearDown();
  }

  std::optional<testing::GitServer> git_;
  std::optional<testing::CoreScenario> scenario_;
  std::optional<kube::Client> client_;
  std::optional<base::TempDir> cache_;
  std::unique_ptr<StateStoreRegistry> registry_;
  std::unique_ptr<kube::Manager> manager_;
  std::unique_ptr<ResourceControllers> workflows_;
  std::thread runner_;
};

TEST_F(WorkflowCore, DeliversXaasToUsers) {
  ASSERT_NO_FATAL_FAILURE(scenario_->promise_is_available());
  ASSERT_NO_FATAL_FAILURE(scenario_->request_is_fulfilled());
  ASSERT_NO_FATAL_FAILURE(scenario_->request_update_reruns());
  ASSERT_NO_FATAL_FAILURE(scenario_->promise_update_reruns());
  ASSERT_NO_FATAL_FAILURE(scenario_->deletions_clean_up());
}

}  // namespace
}  // namespace pave::platform

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::RunnerEnvironment("core-node"));
  return RUN_ALL_TESTS();
}
