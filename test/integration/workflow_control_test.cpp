// Workflow control on the real control plane, after Kratix's system tests workflow_control_test,
// reconcile_after_failure_test and reconciliation_test (kratix-spec.md 2.6, 3.6, 3.7, 7.2): a pipeline's
// workflow-control.yaml suspending a workflow or asking for a retry, resuming at the suspended pipeline,
// restarting from the first on a manual re-run or a spec change; failed workflows retried on the
// reconciliation interval (or not, with reconcileAfterFailure: false); pausing and unpausing Promises and
// requests. Pipelines run as real Jobs on the pod runner with this build's adapter steps.
#include <gtest/gtest.h>

#include <set>

#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

constexpr const char* kSystem = "kratix-platform-system";

class WorkflowControlTest : public WorkflowFixture {
 protected:
  // Jobs of one pipeline of a Promise's own workflow.
  size_t promise_jobs(const std::string& promise, const std::string& pipeline) {
    return names("jobs", "kratix.io/promise-name=" + promise + ",kratix.io/workflow-type=promise,kratix.io/pipeline-name=" +
                             pipeline, kSystem).size();
  }
  size_t request_jobs(const std::string& request, const std::string& pipeline) {
    return names("jobs", of(request, pipeline), ns()).size();
  }
  static std::string pipeline_field(size_t i, const std::string& field) {
    return "{.status.kratix.workflows.pipelines[" + std::to_string(i) + "]." + field + "}";
  }
  // The Kratix config as a test wants it, and the controllers restarted to read it (Kratix reads it once).
  void use_kratix_config(const std::string& config) {
    stop_controllers();
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
        {"metadata", {{"name", "kratix"}, {"namespace", kSystem}}}, {"data", {{"config", config}}}}.dump()).ok());
    start_controllers();
  }
  // The permission a pipeline needs to look for its gate ConfigMap in its own namespace.
  static Json reads_configmaps() {
    return {{"rbac", {{"permissions", Json::array({{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get"}}}})}}}};
  }
  void create_configmap(const std::string& name, const std::string& in) {
    ASSERT_TRUE(cluster().kubectl({"create", "configmap", name, "-n", in}).ok());
  }
};

// A pipeline writing suspend: true holds the workflow at itself; removing the label runs it once more (not
// the next one); the manual label starts again from the first pipeline; a spec change restarts it too and,
// as the pipeline no longer suspends, completes it.
TEST_F(WorkflowControlTest, SuspendHoldsThePromiseWorkflowUntilResumedOrRestarted) {
  auto suspending = [](const std::string& approved) {
    const Json env = {{"env", Json::array({{{"name", "APPROVED"}, {"value", approved}}})}};
    Json p = promise("wf-suspend", "Suspend", Json::array(),
                     Json::array({pipeline("pipe-0", "echo zero"),
                                  pipeline("pipe-1", "if [ \"$APPROVED\" != yes ]; then printf 'suspend: true\\nmessage: waiting for "
                                                     "approval\\n' > /kratix/metadata/workflow-control.yaml; fi"),
                                  pipeline("pipe-2", "echo two")}));
    p["spec"]["workflows"]["promise"]["configure"][1]["spec"]["containers"][0].merge_patch(env);
    return p;
  };
  apply(suspending("no"));
  auto field = [&](const std::string& path) { return promise_field("wf-suspend", path); };
  ASSERT_TRUE(eventually([&] { return field(pipeline_field(1, "phase")) == "Suspended"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(field(pipeline_field(0, "phase") + " " + pipeline_field(2, "phase")), "Succeeded Pending");
  EXPECT_EQ(field(pipeline_field(1, "message")), "waiting for approval");
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/workflow-suspended}"), "true");
  ASSERT_TRUE(eventually([&] { return field(condition("Reconciled", "reason")) == "WorkflowSuspended"; }, 30s, kPoll));
  EXPECT_EQ(field(condition("Reconciled", "status") + " " + condition("Reconciled", "message")), "Unknown Suspended");
  EXPECT_EQ(field(condition("Available", "status") + " " + condition("Available", "reason") + " " +
                  condition("Available", "message") + " {.status.status}"),
            "False WorkflowSuspended Suspended Unavailable");
  EXPECT_EQ(field("{.status.kratix.workflows.suspendedGeneration}"), "1");
  EXPECT_TRUE(has_event("wf-suspend", "Warning",
                        "WorkflowSuspended 'kratix.io/workflow-suspended' label set to 'true' for promise; skipping reconciliation"))
      << events_of("wf-suspend");
  std::this_thread::sleep_for(5s);  // the scenario: nothing runs on while it is held
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-2"), 0u);
  ASSERT_EQ(promise_jobs("wf-suspend", "pipe-0"), 1u);
  ASSERT_EQ(promise_jobs("wf-suspend", "pipe-1"), 1u);

  // Resumed by hand: the suspended pipeline runs again (and suspends again), the others do not.
  ASSERT_TRUE(cluster().kubectl({"label", "promise", "wf-suspend", "kratix.io/workflow-suspended-"}).ok());
  ASSERT_TRUE(eventually([&] { return promise_jobs("wf-suspend", "pipe-1") == 2; }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] {
    return field(pipeline_field(1, "phase")) == "Suspended" && field("{.metadata.labels.kratix\\.io/workflow-suspended}") == "true";
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-0"), 1u);
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-2"), 0u);

  // A manual re-run starts again from the first pipeline.
  ASSERT_TRUE(cluster().kubectl({"label", "promise", "wf-suspend", "kratix.io/manual-reconciliation=true"}).ok());
  ASSERT_TRUE(eventually([&] {
    return promise_jobs("wf-suspend", "pipe-0") == 2 && promise_jobs("wf-suspend", "pipe-1") == 3 &&
           field(pipeline_field(1, "phase")) == "Suspended";
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-2"), 0u);
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/manual-reconciliation}"), "");

  // A spec change restarts it; approved, it runs to the end.
  apply(suspending("yes"));
  ASSERT_TRUE(eventually([&] {
    return field(condition("ConfigureWorkflowCompleted", "status")) == "True" && field("{.status.status}") == "Available";
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-0"), 3u);
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-1"), 4u);
  EXPECT_EQ(promise_jobs("wf-suspend", "pipe-2"), 1u);
  EXPECT_EQ(field(pipeline_field(0, "phase") + pipeline_field(1, "phase") + pipeline_field(2, "phase")),
            "SucceededSucceededSucceeded");
  EXPECT_EQ(field(pipeline_field(1, "message")), "");
  EXPECT_EQ(field("{.status.kratix.workflows.suspendedGeneration}"), "");
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/workflow-suspended}"), "");
  EXPECT_EQ(field(condition("Reconciled", "status")), "True");
}

// retryAfter holds a request's workflow and runs the pipeline again when the time comes, counting attempts,
// delivering nothing meanwhile; once its gate exists it completes, and the retry bookkeeping goes.
TEST_F(WorkflowControlTest, RetryAfterRerunsTheRequestPipelineUntilItsGateExists) {
  const std::string script =
      "if ! kubectl get configmap retry-gate -n " + ns() + " >/dev/null 2>&1; then\n"
      "  printf 'retryAfter: 3s\\nmessage: configmap retry-gate not found\\n' > /kratix/metadata/workflow-control.yaml\n"
      "fi\n"
      "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: retried, namespace: default}\\n' > /kratix/output/cm.yaml\n";
  apply(promise("wf-retry", "Retry", Json::array({pipeline("first", "echo first"),
                                                    pipeline("retry", script, reads_configmaps())})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-retry", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Retry", "retry-req"));
  auto field = [&](const std::string& path) { return rr("Retry", "retry-req", path); };
  ASSERT_TRUE(eventually([&] { return field(pipeline_field(1, "phase")) == "Suspended"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(field(pipeline_field(0, "phase")), "Succeeded");
  EXPECT_EQ(field(pipeline_field(1, "message")), "configmap retry-gate not found");
  EXPECT_FALSE(field(pipeline_field(1, "nextRetryAt")).empty());
  EXPECT_FALSE(field(pipeline_field(1, "attempts")).empty());
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/workflow-suspended}"), "true");
  EXPECT_TRUE(has_event("retry-req", "Warning", "WorkflowSuspended 'kratix.io/workflow-suspended' label set to 'true' for "
                                                "resource request; skipping reconciliation")) << events_of("retry-req");

  // It keeps retrying the suspended pipeline alone, each attempt counted, and delivers nothing meanwhile.
  ASSERT_TRUE(eventually([&] {
    const std::string attempts = field(pipeline_field(1, "attempts"));
    return !attempts.empty() && std::stoi(attempts) >= 3;
  }, kLong, kPoll)) << debug();
  EXPECT_GE(request_jobs("retry-req", "retry"), 3u);
  EXPECT_EQ(request_jobs("retry-req", "first"), 1u);
  EXPECT_TRUE(names("works", "kratix.io/resource-name=retry-req,kratix.io/pipeline-name=retry", ns()).empty())
      << "a held pipeline's output is not delivered";
  EXPECT_EQ(field(condition("Reconciled", "reason")), "WorkflowSuspended");

  create_configmap("retry-gate", ns());
  ASSERT_TRUE(eventually([&] { return reconciled("Retry", "retry-req"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(field(pipeline_field(1, "phase") + "|" + pipeline_field(1, "attempts") + "|" + pipeline_field(1, "nextRetryAt") +
                  "|" + pipeline_field(1, "message")),
            "Succeeded|||");
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/workflow-suspended}"), "");
  EXPECT_EQ(field("{.status.message}"), "Resource requested");
  EXPECT_EQ(names("works", "kratix.io/resource-name=retry-req,kratix.io/pipeline-name=retry", ns()).size(), 1u);
  EXPECT_EQ(request_jobs("retry-req", "first"), 1u);
}

// With the default reconcileAfterFailure a failed workflow is retried every reconciliation interval, its
// failed Jobs pruned to numberOfJobsToKeep, until it succeeds; then the periodic re-runs go on.
TEST_F(WorkflowControlTest, FailedWorkflowsAreRetriedOnTheIntervalThenRerunPeriodically) {
  use_kratix_config("reconciliationInterval: 8s\nnumberOfJobsToKeep: 2\n");
  const std::string script = "kubectl get configmap failure-gate -n " + ns() + " || { echo 'no gate'; exit 1; }";
  Json spec = reads_configmaps();
  spec["jobOptions"] = {{"backoffLimit", 0}};
  apply(promise("wf-after-failure", "AfterFailure", Json::array({pipeline("gated", script, spec)})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-after-failure", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("AfterFailure", "af-req"));
  ASSERT_TRUE(eventually([&] { return failed("AfterFailure", "af-req"); }, kLong, kPoll)) << debug();
  const auto first = names("jobs", of("af-req", "gated"), ns());
  ASSERT_EQ(first.size(), 1u);

  // Retried: new Jobs keep coming, never more than the two kept plus the one running.
  std::set<std::string> seen(first.begin(), first.end());
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (seen.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    const auto now = names("jobs", of("af-req", "gated"), ns());
    EXPECT_LE(now.size(), 3u) << "failed Jobs are pruned to numberOfJobsToKeep";
    seen.insert(now.begin(), now.end());
    std::this_thread::sleep_for(1s);  // sampling: every look must find at most three Jobs
  }
  EXPECT_GE(seen.size(), 4u) << "the failed workflow was not retried on the interval\n" << debug();

  create_configmap("failure-gate", ns());
  ASSERT_TRUE(eventually([&] { return reconciled("AfterFailure", "af-req"); }, kLong, kPoll)) << debug();
  const std::string completed_at = rr("AfterFailure", "af-req", condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
  ASSERT_TRUE(eventually([&] {
    const std::string now = rr("AfterFailure", "af-req", condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
    return !now.empty() && now != completed_at && rr("AfterFailure", "af-req", condition("ConfigureWorkflowCompleted", "status")) == "True";
  }, 60s, kPoll)) << "a succeeded workflow runs again every interval\n" << debug();
}

// With reconcileAfterFailure: false nothing retries a failed workflow on its own; the manual label does.
TEST_F(WorkflowControlTest, WithoutReconcileAfterFailureOnlyAManualRerunRetries) {
  use_kratix_config("reconciliationInterval: 5s\nworkflows:\n  reconcileAfterFailure: false\n");
  Json spec = {{"jobOptions", {{"backoffLimit", 0}}}};
  apply(promise("wf-no-retry", "NoRetry", Json::array({pipeline("fails", "exit 1", spec)})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-no-retry", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("NoRetry", "nr-req"));
  ASSERT_TRUE(eventually([&] { return failed("NoRetry", "nr-req"); }, kLong, kPoll)) << debug();
  std::this_thread::sleep_for(15s);  // three intervals: the scenario is that nothing happens
  EXPECT_EQ(request_jobs("nr-req", "fails"), 1u) << debug();

  ASSERT_TRUE(kubectl({"label", "noretrys.wftest.kratix.io", "nr-req", "kratix.io/manual-reconciliation=true"}).ok());
  ASSERT_TRUE(eventually([&] { return request_jobs("nr-req", "fails") == 2; }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] { return failed("NoRetry", "nr-req"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(rr("NoRetry", "nr-req", "{.metadata.labels.kratix\\.io/manual-reconciliation}"), "");
}

// A paused Promise runs no workflow, its own or its requests', and says so; unpaused, both run again. A
// paused request alone runs nothing until unpaused.
TEST_F(WorkflowControlTest, PausedPromisesAndRequestsRunNothingUntilUnpaused) {
  apply(promise("wf-pause", "Pause", Json::array({pipeline("configure", "echo \"$RANDOM\" > /dev/null")}),
                Json::array({pipeline("promise-configure", "echo configured")})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-pause", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Pause", "pause-req", {{"size", 1}}));
  ASSERT_TRUE(eventually([&] { return reconciled("Pause", "pause-req"); }, kLong, kPoll)) << debug();
  const std::string promise_ran = promise_field("wf-pause", condition("ConfigureWorkflowCompleted", "lastTransitionTime"));

  ASSERT_TRUE(cluster().kubectl({"label", "promise", "wf-pause", "kratix.io/paused=true"}).ok());
  ASSERT_TRUE(eventually([&] { return promise_field("wf-pause", condition("Reconciled", "reason")) == "PausedReconciliation"; },
                         30s, kPoll)) << debug();
  EXPECT_EQ(promise_field("wf-pause", condition("Available", "status") + " " + condition("Available", "reason") + " " +
                                      condition("Available", "message") + " {.status.status}"),
            "False PausedReconciliation Paused Unavailable");
  EXPECT_TRUE(has_event("wf-pause", "Warning",
                        "PausedReconciliation 'kratix.io/paused' label set to 'true' for promise; pausing reconciliation"));
  ASSERT_TRUE(eventually([&] { return rr("Pause", "pause-req", condition("Reconciled", "message")) == "Paused"; }, 30s, kPoll));
  EXPECT_TRUE(has_event("pause-req", "Warning", "PausedReconciliation 'kratix.io/paused' label set to 'true' for promise; "
                                                "pausing reconciliation for this resource request"));
  apply(request("Pause", "pause-req", {{"size", 2}}));
  std::this_thread::sleep_for(8s);  // the scenario: a change while paused starts nothing
  EXPECT_EQ(request_jobs("pause-req", "configure"), 1u);

  ASSERT_TRUE(cluster().kubectl({"label", "promise", "wf-pause", "kratix.io/paused-"}).ok());
  ASSERT_TRUE(eventually([&] {
    return promise_field("wf-pause", condition("ConfigureWorkflowCompleted", "lastTransitionTime")) != promise_ran &&
           promise_field("wf-pause", "{.status.status}") == "Available";
  }, kLong, kPoll)) << "the unpaused Promise's workflow runs again\n" << debug();
  ASSERT_TRUE(eventually([&] { return request_jobs("pause-req", "configure") >= 2 && reconciled("Pause", "pause-req"); },
                         kLong, kPoll)) << debug();
  EXPECT_EQ(rr("Pause", "pause-req", "{.status.observedGeneration}"), rr("Pause", "pause-req", "{.metadata.generation}"));

  // The request alone.
  const size_t before = request_jobs("pause-req", "configure");
  ASSERT_TRUE(kubectl({"label", "pauses.wftest.kratix.io", "pause-req", "kratix.io/paused=true"}).ok());
  ASSERT_TRUE(eventually([&] { return rr("Pause", "pause-req", condition("Reconciled", "message")) == "Paused"; }, 30s, kPoll));
  EXPECT_TRUE(has_event("pause-req", "Warning",
                        "PausedReconciliation 'kratix.io/paused' label set to 'true' for this resource request; pausing reconciliation"));
  apply(request("Pause", "pause-req", {{"size", 3}}));
  std::this_thread::sleep_for(8s);  // the scenario: a change while paused starts nothing
  EXPECT_EQ(request_jobs("pause-req", "configure"), before);
  ASSERT_TRUE(kubectl({"label", "pauses.wftest.kratix.io", "pause-req", "kratix.io/paused-"}).ok());
  ASSERT_TRUE(eventually([&] {
    return request_jobs("pause-req", "configure") > before && reconciled("Pause", "pause-req") &&
           rr("Pause", "pause-req", "{.status.observedGeneration}") == rr("Pause", "pause-req", "{.metadata.generation}");
  }, kLong, kPoll)) << debug();
}

// A failed delete pipeline holds the request's deletion, saying so, and is run again (after a backoff)
// until it succeeds, as Kratix retries it.
TEST_F(WorkflowControlTest, AFailedDeletePipelineIsRetriedUntilItSucceeds) {
  Json spec = reads_configmaps();
  spec["jobOptions"] = {{"backoffLimit", 0}};
  Json p = promise("wf-failing-del", "FailingDel", Json::array({pipeline("configure", "true")}));
  p["spec"]["workflows"]["resource"]["delete"] = Json::array({pipeline("cleanup",
      "kubectl get configmap cleanup-gate -n " + ns() + " || { echo 'no gate'; exit 1; }", spec)});
  apply(p);
  ASSERT_TRUE(eventually([&] { return promise_field("wf-failing-del", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("FailingDel", "fd-req"));
  ASSERT_TRUE(eventually([&] { return reconciled("FailingDel", "fd-req"); }, kLong, kPoll)) << debug();

  ASSERT_TRUE(kubectl({"delete", "failingdels.wftest.kratix.io", "fd-req", "--wait=false"}).ok());
  auto field = [&](const std::string& path) { return rr("FailingDel", "fd-req", path); };
  ASSERT_TRUE(eventually([&] { return field(condition("DeleteWorkflowCompleted", "reason")) == "DeleteWorkflowFailed"; },
                         kLong, kPoll)) << debug();
  EXPECT_EQ(field(condition("DeleteWorkflowCompleted", "status") + "|" + condition("DeleteWorkflowCompleted", "message")),
            "False|The Delete Pipeline has failed");
  EXPECT_TRUE(has_event("fd-req", "Warning", "Failed Pipeline The Delete Pipeline has failed")) << events_of("fd-req");
  const std::string selector = "kratix.io/resource-name=fd-req,kratix.io/workflow-action=delete";
  ASSERT_TRUE(eventually([&] { return names("jobs", selector, ns()).size() >= 2; }, kLong, kPoll))
      << "the failed delete pipeline was not run again\n" << debug();
  EXPECT_EQ(field("{.metadata.name}"), "fd-req") << "the request stays while its delete pipeline fails";

  create_configmap("cleanup-gate", ns());
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "failingdels.wftest.kratix.io", "fd-req", "--ignore-not-found", "-o", "name"}).out.empty();
  }, kLong, kPoll)) << debug();
}

// A delete pipeline may hold a request's deletion: the request stays, with its Works, saying
// DeleteWorkflowSuspended, until the hold is lifted and the pipeline, run again, lets it go.
TEST_F(WorkflowControlTest, ASuspendedDeletePipelineKeepsTheRequestAndItsWorks) {
  const std::string gate = "kubectl get configmap delete-gate -n " + ns() + " >/dev/null 2>&1 || "
                           "printf 'suspend: true\nmessage: waiting for delete approval\n' > /kratix/metadata/workflow-control.yaml";
  Json p = promise("wf-suspend-del", "SuspendDel",
                   Json::array({pipeline("configure", "printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, "
                                                      "namespace: default}\n' > /kratix/output/cm.yaml")}));
  p["spec"]["workflows"]["resource"]["delete"] = Json::array({pipeline("approve-delete", gate, reads_configmaps())});
  apply(p);
  ASSERT_TRUE(eventually([&] { return promise_field("wf-suspend-del", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("SuspendDel", "del-req"));
  ASSERT_TRUE(eventually([&] { return reconciled("SuspendDel", "del-req"); }, kLong, kPoll)) << debug();
  ASSERT_EQ(names("works", "kratix.io/resource-name=del-req", ns()).size(), 1u);

  ASSERT_TRUE(kubectl({"delete", "suspenddels.wftest.kratix.io", "del-req", "--wait=false"}).ok());
  auto field = [&](const std::string& path) { return rr("SuspendDel", "del-req", path); };
  ASSERT_TRUE(eventually([&] { return field(condition("DeleteWorkflowCompleted", "reason")) == "DeleteWorkflowSuspended"; },
                         kLong, kPoll)) << debug();
  EXPECT_EQ(field(condition("DeleteWorkflowCompleted", "status") + "|" + condition("DeleteWorkflowCompleted", "message")),
            "False|The delete workflow is suspended");
  EXPECT_EQ(field("{.status.kratix.workflows.delete.pipelines[0].name} {.status.kratix.workflows.delete.pipelines[0].phase}"),
            "approve-delete Suspended");
  EXPECT_EQ(field("{.status.kratix.workflows.delete.pipelines[0].message}"), "waiting for delete approval");
  EXPECT_EQ(field("{.metadata.labels.kratix\\.io/workflow-suspended}"), "true");
  std::this_thread::sleep_for(5s);  // the scenario: the hold keeps everything
  EXPECT_EQ(names("works", "kratix.io/resource-name=del-req", ns()).size(), 1u) << "the request's Works stay while it is held";
  EXPECT_EQ(names("jobs", "kratix.io/resource-name=del-req,kratix.io/workflow-action=delete", ns()).size(), 1u);
  EXPECT_EQ(field("{.metadata.name}"), "del-req");

  create_configmap("delete-gate", ns());
  ASSERT_TRUE(kubectl({"label", "suspenddels.wftest.kratix.io", "del-req", "kratix.io/workflow-suspended-"}).ok());
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "suspenddels.wftest.kratix.io", "del-req", "--ignore-not-found", "-o", "name"}).out.empty();
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(names("jobs", "kratix.io/resource-name=del-req,kratix.io/workflow-action=delete", ns()).size(), 0u)
      << "the workflows-cleanup finalizer removed the request's Jobs";
  EXPECT_TRUE(names("works", "kratix.io/resource-name=del-req", ns()).empty());
}

// A promise.delete pipeline asking for retries holds the Promise's deletion, retrying, until its gate exists.
TEST_F(WorkflowControlTest, APromiseDeletePipelineRetriesUntilItsGateExists) {
  const std::string gate = std::string("kubectl get configmap promise-delete-gate -n ") + kSystem + " >/dev/null 2>&1 || "
                           "printf 'retryAfter: 3s\nmessage: waiting for promise delete gate configmap\n' > "
                           "/kratix/metadata/workflow-control.yaml";
  Json p = promise("wf-retry-del", "RetryDel", Json::array(), Json::array({pipeline("promise-configure", "echo ok")}));
  p["spec"]["workflows"]["promise"]["delete"] = Json::array({pipeline("promise-delete", gate, reads_configmaps())});
  apply(p);
  ASSERT_TRUE(eventually([&] { return promise_field("wf-retry-del", "{.status.status}") == "Available"; }, kLong, kPoll));
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "wf-retry-del", "--wait=false"}).ok());
  auto field = [&](const std::string& path) { return promise_field("wf-retry-del", path); };
  // Held between attempts, after at least two. The reason is PipelinesInProgress while an attempt runs, so
  // attempts and reason are read together: read one after the other, a new attempt may start between.
  const std::string held = "{.status.kratix.workflows.delete.pipelines[0].attempts}|" + condition("DeleteWorkflowCompleted", "reason");
  ASSERT_TRUE(eventually([&] {
    const std::string now = field(held);
    const auto bar = now.find('|');
    return bar != std::string::npos && bar > 0 && std::stoi(now.substr(0, bar)) >= 2 &&
           now.substr(bar + 1) == "DeleteWorkflowSuspended";
  }, kLong, kPoll)) << field(held) << "\n" << debug();
  EXPECT_EQ(field("{.status.kratix.workflows.delete.pipelines[0].message}"), "waiting for promise delete gate configmap");
  EXPECT_GE(promise_jobs("wf-retry-del", "promise-delete"), 2u);
  EXPECT_FALSE(field("{.spec.api}").empty()) << "the Promise is still there";

  create_configmap("promise-delete-gate", kSystem);
  ASSERT_TRUE(eventually([&] {
    return cluster().kubectl({"get", "promise", "wf-retry-del", "--ignore-not-found", "-o", "name"}).out.empty();
  }, kLong, kPoll)) << debug();
  cluster().kubectl({"delete", "configmap", "promise-delete-gate", "-n", kSystem});
}

}  // namespace
}  // namespace pave::testing
