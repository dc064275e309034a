// The local platform of the README's first command (`pave-cluster platform`, which scripts/local-platform.sh
// runs once everything is built): it comes up with the example request's objects on worker-1 only, reports
// where they went, comes up again from its kept state, and leaves no process behind when stopped. The
// platform reports only once Flux on both workers has applied the store's newest commit, so what the report
// says a worker lacks, it lacks.
#include <gtest/gtest.h>

#include <csignal>

#include "base/temp_dir.h"
#include "support/cluster.h"
#include "support/flux.h"
#include "support/leftovers.h"
#include "support/pod_runner.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

class LocalPlatform : public ::testing::Test {
 protected:
  void SetUp() override {
    auto images = build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY);
    ASSERT_FALSE(images.has_value()) << *images;
    home_.emplace(base::TempDir::create("local-platform").value());
  }
  void TearDown() override {
    if (platform_) platform_->stop(60s);
    home_.reset();
  }

  // Starts the platform and returns everything it printed up to READY (or until it exited).
  std::string start() {
    auto child = base::Child::spawn({cluster_program(), "platform", "--home", home_->path().string(), "--k8s-bin",
                                     k8s_bin_dir(), "--flux-bin", flux_bin_dir(), "--pave", PAVE_BINARY, "--pod-runner",
                                     PAVE_POD_RUNNER, "--crds", PAVE_CRD_DIR, "--examples", PAVE_EXAMPLES_DIR, "--node", node_,
                                     "--ignore-stdin=false"},  // should this test die, the platform goes with it
                                    {}, (home_->path() / "stderr.log").string());
    if (!child) return "cannot start: " + child.error();
    platform_.emplace(std::move(*child));
    std::string out;
    while (auto line = platform_->read_line(300s)) {
      out += *line + "\n";
      if (*line == "READY") break;
    }
    return out;
  }
  // Stops it as Ctrl-C does; returns its exit code.
  int interrupt() {
    platform_->signal(SIGINT);
    auto code = platform_->wait_for(90s);
    platform_.reset();
    return code.value_or(-1);
  }
  std::string stderr_log() { return base::run({.argv = {"tail", "-n", "40", (home_->path() / "stderr.log").string()}}).out; }

  std::optional<base::TempDir> home_;
  std::optional<base::Child> platform_;
  const std::string node_ = "local-platform-test-" + std::to_string(getpid());
};

TEST_F(LocalPlatform, ReportsWhereTheExampleWentAndStopsEverything) {
  const std::string first = start();
  ASSERT_NE(first.find("\nREADY\n"), std::string::npos) << first << stderr_log();
  // The request's pipeline ran on the runner's Node and its objects went to worker-1 (environment=dev) only.
  EXPECT_NE(first.find("on Node " + node_ + ": Succeeded"), std::string::npos) << first;
  EXPECT_NE(first.find("Destination worker-1 (WorkPlacement"), std::string::npos) << first;
  EXPECT_EQ(first.find("Destination worker-2 (WorkPlacement"), std::string::npos) << first;
  EXPECT_NE(first.find("worker-1/resources/default/app/shop/instance-configure/5058f/app.yaml"), std::string::npos) << first;
  EXPECT_NE(first.find("resources:    ConfigMap/app-shop/app, ConfigMap/kratix-worker-system/kratix-info, Namespace/app-shop"),
            std::string::npos) << first;
  EXPECT_NE(first.find("resources:    ConfigMap/kratix-worker-system/kratix-info\n"), std::string::npos)
      << "worker-2 has none of the request's objects\n" << first;
  // The Promise's dependency reached both.
  const auto deps = first.find("dependencies: Namespace/apps-system, Namespace/kratix-worker-system");
  ASSERT_NE(deps, std::string::npos) << first;
  EXPECT_NE(first.find("dependencies: Namespace/apps-system, Namespace/kratix-worker-system", deps + 1), std::string::npos);
  // The kubeconfigs it points at work.
  const ClusterAccess worker1{"worker-1", (home_->path() / "worker-1" / "admin.kubeconfig").string(), "", ""};
  EXPECT_EQ(worker1.kubectl({"get", "configmap", "app", "-n", "app-shop", "-o", "jsonpath={.data.team}"}).out, "payments");

  EXPECT_EQ(interrupt(), 0) << stderr_log();
  EXPECT_EQ(processes_mentioning(home_->path().string()), std::vector<std::string>{});
  EXPECT_EQ(base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.node=" + node_}}).out, "");

  // Again, from the kept state: the same store (its port kept), the request still fulfilled.
  const std::string second = start();
  ASSERT_NE(second.find("\nREADY\n"), std::string::npos) << second << stderr_log();
  auto url = [](const std::string& report) {
    const auto at = report.find("state store  ");
    return at == std::string::npos ? std::string() : report.substr(at, report.find(',', at) - at);
  };
  ASSERT_NE(url(first), "") << first;
  EXPECT_EQ(url(second), url(first));
  EXPECT_NE(second.find("Destination worker-1 (WorkPlacement"), std::string::npos) << second;
  EXPECT_EQ(interrupt(), 0) << stderr_log();
  EXPECT_EQ(processes_mentioning(home_->path().string()), std::vector<std::string>{});
}

}  // namespace
}  // namespace pave::testing
