#include "pod_lifecycle.h"

#include <gtest/gtest.h>

#include "pod_setup.h"

namespace pave::podrunner {
namespace {

using kube::Json;
using namespace std::chrono_literals;

Json pod(const std::string& policy, std::vector<std::string> init, std::vector<std::string> main) {
  Json p = {{"metadata", {{"name", "p"}, {"uid", "u"}}}, {"spec", {{"restartPolicy", policy}}}};
  for (const auto& n : init) p["spec"]["initContainers"].push_back({{"name", n}, {"image", "img"}});
  for (const auto& n : main) p["spec"]["containers"].push_back({{"name", n}, {"image", "img"}});
  return p;
}

ContainerRun exited(const std::string& c, int code, int attempt = 0, const std::string& finished = "2026-11-25T10:00:00Z") {
  return {.id = c + std::to_string(attempt), .container = c, .attempt = attempt, .exited = true, .exit_code = code,
          .started_at = "2026-11-25T09:59:59Z", .finished_at = finished};
}

ContainerRun running(const std::string& c) {
  return {.id = c, .container = c, .running = true, .started_at = "2026-11-25T09:59:59Z"};
}

const auto kLater = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 11h;

TEST(PlanPod, RunsInitContainersOneAtATimeInOrder) {
  auto p = pod("Never", {"a", "b"}, {"main"});
  auto plan = plan_pod(p, {}, kLater);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].name, "a");
  EXPECT_TRUE(plan.start[0].init);
  EXPECT_EQ(plan.phase, "Pending");

  EXPECT_TRUE(plan_pod(p, {running("a")}, kLater).start.empty()) << "b waits for a";
  plan = plan_pod(p, {exited("a", 0)}, kLater);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].name, "b");
  plan = plan_pod(p, {exited("a", 0), exited("b", 0)}, kLater);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].name, "main");
  EXPECT_FALSE(plan.start[0].init);
}

TEST(PlanPod, StartsMainContainersTogetherAndSucceedsWhenAllDo) {
  auto p = pod("Never", {}, {"x", "y"});
  EXPECT_EQ(plan_pod(p, {}, kLater).start.size(), 2u);
  EXPECT_EQ(plan_pod(p, {running("x"), exited("y", 0)}, kLater).phase, "Running");
  EXPECT_EQ(plan_pod(p, {exited("x", 0), exited("y", 0)}, kLater).phase, "Succeeded");
  EXPECT_EQ(plan_pod(p, {exited("x", 0), exited("y", 2)}, kLater).phase, "Failed");
}

TEST(PlanPod, AFailedInitContainerFailsANeverPod) {
  auto plan = plan_pod(pod("Never", {"a", "b"}, {"main"}), {exited("a", 1)}, kLater);
  EXPECT_EQ(plan.phase, "Failed");
  EXPECT_TRUE(plan.start.empty());
}

TEST(PlanPod, OnFailureRestartsAfterBackoff) {
  auto p = pod("OnFailure", {"a"}, {"main"});
  const std::string just_now = "2026-11-25T11:00:00Z";  // the same second as kLater
  auto waiting = plan_pod(p, {exited("a", 1, 0, just_now)}, kLater);
  EXPECT_TRUE(waiting.start.empty()) << "the first restart waits 500 ms";
  EXPECT_GT(waiting.recheck_after, 0ms);
  auto restart = plan_pod(p, {exited("a", 1, 0)}, kLater);
  ASSERT_EQ(restart.start.size(), 1u);
  EXPECT_EQ(restart.start[0].attempt, 1);
  // A main container that succeeds is not restarted under OnFailure.
  EXPECT_EQ(plan_pod(p, {exited("a", 0), exited("main", 0)}, kLater).phase, "Succeeded");
}

TEST(PlanPod, AlwaysRestartsEvenAfterSuccess) {
  auto plan = plan_pod(pod("Always", {}, {"server"}), {exited("server", 0)}, kLater);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.phase, "Running");
}

TEST(RestartBackoff, DoublesToTenSeconds) {
  EXPECT_EQ(restart_backoff(1), 500ms);
  EXPECT_EQ(restart_backoff(2), 1000ms);
  EXPECT_EQ(restart_backoff(10), 10s);
}

TEST(PodStatus, ReportsStatesExitCodesAndRestartsLikeAKubelet) {
  auto p = pod("OnFailure", {"init"}, {"main"});
  std::vector<ContainerRun> runs = {exited("init", 0), exited("main", 1, 0), running("main")};
  runs.back().attempt = 1;
  auto plan = plan_pod(p, runs, kLater);
  Json s = pod_status(p, runs, plan, "2026-11-25T09:00:00Z", "127.0.0.1");
  EXPECT_EQ(s["phase"], "Running");
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["terminated"]["finishedAt"], "2026-11-25T10:00:00Z");
  const Json& main = s["containerStatuses"][0];
  EXPECT_TRUE(main["state"].contains("running"));
  EXPECT_EQ(main["restartCount"], 1);
  EXPECT_EQ(main["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(main["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(main["ready"], true);
  bool ready = false;
  for (const auto& c : s["conditions"]) {
    if (c["type"] == "Ready") ready = c["status"] == "True";
  }
  EXPECT_TRUE(ready);
}

TEST(PodStatus, KeepsConditionTransitionTimesWhileTheyHold) {
  auto p = pod("Never", {}, {"main"});
  auto plan = plan_pod(p, {running("main")}, kLater);
  Json first = pod_status(p, {running("main")}, plan, "t", "127.0.0.1");
  p["status"] = first;
  for (auto& c : p["status"]["conditions"]) c["lastTransitionTime"] = "2000-01-01T00:00:00Z";
  Json second = pod_status(p, {running("main")}, plan, "t", "127.0.0.1");
  for (const auto& c : second["conditions"]) EXPECT_EQ(c["lastTransitionTime"], "2000-01-01T00:00:00Z") << c["type"];
}

TEST(PodSetup, ExpandsReferencesAsKubernetesDoes) {
  std::map<std::string, std::string> vars = {{"A", "1"}, {"B", "two"}};
  EXPECT_EQ(expand_references("$(A)-$(B)", vars), "1-two");
  EXPECT_EQ(expand_references("$$(A) $(MISSING) $", vars), "$(A) $(MISSING) $");
}

TEST(PodSetup, PathsMayNotLeaveTheirVolume) {
  EXPECT_TRUE(safe_relative_path("a/b.txt"));
  EXPECT_FALSE(safe_relative_path("../etc/passwd"));
  EXPECT_FALSE(safe_relative_path("a/../../b"));
  EXPECT_FALSE(safe_relative_path("/abs"));
  EXPECT_FALSE(safe_relative_path(""));
}

TEST(PodStatus, AContainerThatCouldNotBeCreatedIsWaitingWithItsReason) {
  Json p = {{"metadata", {{"name", "job-abc"}, {"namespace", "team-a"}, {"uid", "1234"}}},
            {"spec", {{"containers", {{{"name", "main"}, {"image", "localhost/missing:dev"}}}}}}};
  p["spec"]["restartPolicy"] = "Never";
  PodPlan plan = plan_pod(p, {}, std::chrono::system_clock::now());
  auto status = pod_status(p, {}, plan, "2026-11-29T10:00:00Z", "127.0.0.1",
                           {{"main", {"ErrImagePull", "Failed to pull image \"localhost/missing:dev\": refused"}}});
  EXPECT_EQ(status["phase"], "Pending");
  const Json& state = status["containerStatuses"][0]["state"];
  EXPECT_EQ(state["waiting"]["reason"], "ErrImagePull");
  EXPECT_EQ(state["waiting"]["message"], "Failed to pull image \"localhost/missing:dev\": refused");
}

}  // namespace
}  // namespace pave::podrunner
