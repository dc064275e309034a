// The status-writer (kratix-spec.md 3.6, 2.5), after Kratix's work-creator/lib/status_updater_test.go:
// status.yaml merge rules, the last pipeline's completion, and workflow-control bookkeeping.
#include <gtest/gtest.h>

#include "adapter/status_updater.h"
#include "kube/time.h"

namespace pave::adapter {
namespace {

using kube::Json;

const auto kUpdatedAt = kube::parse_rfc3339("2026-03-25T14:12:00Z").value();

Json condition_of(const Json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c["type"] == type) return c;
  }
  return nullptr;
}

// A status whose workflow has two pipelines, the second running.
Json two_pipelines(Json second = {{"name", "pipeline-b"}, {"phase", "Running"}}) {
  return {{"message", "leave me alone"},
          {"kratix", {{"workflows", {{"pipelines", Json::array({{{"name", "pipeline-a"}, {"phase", "Succeeded"}}, second})}}}}}};
}

TEST(MergeStatus, IncomingTopLevelKeysOverwriteAndConditionsMergeByType) {
  const Json existing = {{"message", "Pending"}, {"extra", "value"}, {"slices", {"A", "B"}},
                         {"nested", {{"keep", "me?"}, {"a", 1}}},
                         {"conditions", Json::array({{{"type", "PreviousCondition"}, {"status", "False"}},
                                                     {{"message", "Some other reason"}, {"type", "SomeOtherCondition"},
                                                      {"status", "False"}}})}};
  const Json incoming = {{"message", "Resource requested"}, {"new", "value"}, {"slices", {"C", "D"}},
                         {"nested", {{"a", 2}}},
                         {"conditions", Json::array({{{"type", "PreviousCondition"}, {"status", "True"}},
                                                     {{"message", "Another reason"}, {"type", "AnotherCondition"},
                                                      {"status", "True"}}})}};
  const Json merged = merge_status(existing, incoming);
  EXPECT_EQ(merged["message"], "Resource requested");
  EXPECT_EQ(merged["extra"], "value");
  EXPECT_EQ(merged["new"], "value");
  EXPECT_EQ(merged["slices"], Json({"C", "D"}));
  EXPECT_EQ(merged["nested"], Json({{"a", 2}})) << "nested maps are replaced, not deep-merged";
  EXPECT_EQ(merged["conditions"],
            Json::array({{{"type", "PreviousCondition"}, {"status", "True"}},
                         {{"message", "Some other reason"}, {"type", "SomeOtherCondition"}, {"status", "False"}},
                         {{"message", "Another reason"}, {"type", "AnotherCondition"}, {"status", "True"}}}));
  EXPECT_EQ(merged.size(), 6u);
}

TEST(MergeStatus, ConditionsOnlyMergeWhenBothAreLists) {
  EXPECT_EQ(merge_status({{"conditions", "odd"}}, {{"conditions", Json::array({{{"type", "A"}}})}})["conditions"],
            Json::array({{{"type", "A"}}}));
  EXPECT_EQ(merge_status(Json(), {{"message", "hi"}}), Json({{"message", "hi"}}));
  EXPECT_EQ(merge_status({{"a", 1}}, Json()), Json({{"a", 1}}));
}

TEST(StatusYaml, MayNotSetKratix) {
  auto ok = check_incoming_status({{"kratix", {{"workflows", {}}}}});
  ASSERT_FALSE(ok.has_value());
  EXPECT_EQ(ok.error().message,
            "'kratix' is a kratix managed status field that cannot be updated via workflows; remove update to "
            "'kratix' from the '/kratix/metadata/status.yaml' file");
  EXPECT_TRUE(check_incoming_status({{"message", "fine"}}).has_value());
}

TEST(NonMessageKeys, ListsEverythingButMessage) {
  EXPECT_EQ(non_message_keys({{"message", "ok"}, {"bear", "1"}, {"lizard", "2"}}),
            (std::vector<std::string>{"bear", "lizard"}));
  EXPECT_TRUE(non_message_keys({{"message", "ok"}}).empty());
}

TEST(MarkCompleted, TurnsPendingIntoTheWorkflowsMessage) {
  EXPECT_EQ(mark_completed({{"message", "Pending"}}, "resource", "t")["message"], "Resource requested");
  EXPECT_EQ(mark_completed({{"message", "Pending"}}, "promise", "t")["message"], "Promise configured");
  EXPECT_EQ(mark_completed({{"message", "Howdy"}}, "resource", "t")["message"], "Howdy");
  EXPECT_EQ(mark_completed({{"message", "Howdy"}}, "promise", "t")["message"], "Howdy");
}

TEST(MarkCompleted, SetsConfigureWorkflowCompleted) {
  for (const char* type : {"resource", "promise"}) {
    const Json status = mark_completed(Json::object(), type, "2026-03-25T14:12:00Z");
    EXPECT_EQ(status["conditions"],
              Json::array({{{"type", "ConfigureWorkflowCompleted"}, {"status", "True"},
                            {"reason", "PipelinesExecutedSuccessfully"}, {"message", "Pipelines completed"},
                            {"lastTransitionTime", "2026-03-25T14:12:00Z"}}}));
  }
}

TEST(MarkCompleted, ReplacesTheConditionInPlaceAndKeepsOthers) {
  const Json status = mark_completed(
      {{"conditions", Json::array({{{"type", "Reconciled"}, {"status", "Unknown"}},
                                   {{"message", "Some other reason"}, {"type", "ConfigureWorkflowCompleted"},
                                    {"status", "False"}, {"lastTransitionTime", "old"}}})}},
      "resource", "now");
  ASSERT_EQ(status["conditions"].size(), 2u);
  EXPECT_EQ(status["conditions"][0], Json({{"type", "Reconciled"}, {"status", "Unknown"}}));
  EXPECT_EQ(status["conditions"][1]["status"], "True");
  EXPECT_EQ(status["conditions"][1]["message"], "Pipelines completed");
  EXPECT_EQ(status["conditions"][1]["lastTransitionTime"], "now");
}

TEST(MarkCompleted, ClearsTheSuspendedGenerationAndKeepsTheRestOfKratix) {
  const Json placements = Json::array({{{"work", "w"}, {"destination", "worker-1"}}});
  const Json status = mark_completed(
      {{"kratix", {{"placements", placements},
                   {"workflows", {{"suspendedGeneration", 2}, {"pipelines", Json::array()},
                                  {"lastSuccessfulConfigureWorkflowTime", "t"}}}}}},
      "resource", "now");
  EXPECT_FALSE(status["kratix"]["workflows"].contains("suspendedGeneration"));
  EXPECT_EQ(status["kratix"]["workflows"]["lastSuccessfulConfigureWorkflowTime"], "t");
  EXPECT_EQ(status["kratix"]["placements"], placements);
  EXPECT_FALSE(mark_completed(Json::object(), "resource", "now").contains("kratix"));
}

TEST(MarkPipelineSuspended, MarksThePipelineAndRecordsTheGeneration) {
  auto status = mark_pipeline_suspended(two_pipelines(), "pipeline-b", "waiting for approval", "", 7);
  ASSERT_TRUE(status.has_value()) << status.error().message;
  const Json& workflows = (*status)["kratix"]["workflows"];
  EXPECT_EQ(workflows["pipelines"][0], Json({{"name", "pipeline-a"}, {"phase", "Succeeded"}}));
  EXPECT_EQ(workflows["pipelines"][1],
            Json({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "waiting for approval"}}));
  EXPECT_EQ(workflows["suspendedGeneration"], 7);
  EXPECT_EQ((*status)["message"], "leave me alone");
}

TEST(MarkPipelineSuspended, RemovesAMessageNoLongerGiven) {
  auto status = mark_pipeline_suspended(
      two_pipelines({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "old message"}}), "pipeline-b", "", "", 3);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ((*status)["kratix"]["workflows"]["pipelines"][1], Json({{"name", "pipeline-b"}, {"phase", "Suspended"}}));
  EXPECT_EQ((*status)["kratix"]["workflows"]["suspendedGeneration"], 3);
}

TEST(MarkPipelineSuspended, WithoutARetryClearsRetryFields) {
  auto status = mark_pipeline_suspended(two_pipelines({{"name", "pipeline-b"}, {"phase", "Suspended"},
                                                       {"nextRetryAt", "2026-03-25T14:22:00Z"}, {"attempts", 3}}),
                                        "pipeline-b", "waiting for a shooting star", "", 1);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ((*status)["kratix"]["workflows"]["pipelines"][1],
            Json({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "waiting for a shooting star"}}));
}

TEST(MarkPipelineSuspended, ARetrySetsTheTimeAndCountsAttempts) {
  auto status = mark_pipeline_suspended(two_pipelines({{"name", "pipeline-b"}, {"phase", "Running"}, {"attempts", 17}}),
                                        "pipeline-b", "waiting for approval", "2026-03-25T14:22:00Z", 7);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ((*status)["kratix"]["workflows"]["pipelines"][1],
            Json({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "waiting for approval"},
                  {"nextRetryAt", "2026-03-25T14:22:00Z"}, {"attempts", 18}}));
  auto first = mark_pipeline_suspended(two_pipelines(), "pipeline-b", "", "2026-03-25T14:22:00Z", 7);
  EXPECT_EQ((*first)["kratix"]["workflows"]["pipelines"][1]["attempts"], 1);
}

TEST(MarkPipelineSuspended, FailsWhenThePipelineIsNotRecorded) {
  auto missing = mark_pipeline_suspended(two_pipelines(), "pipeline-c", "", "", 0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "pipeline \"pipeline-c\" not found in status.kratix.workflows.pipelines");
  auto bare = mark_pipeline_suspended(Json::object(), "pipeline-a", "", "", 0);
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().message, "missing status.kratix while marking pipeline \"pipeline-a\" as suspended");
  auto odd = mark_pipeline_suspended({{"kratix", {{"workflows", {{"pipelines", {"not a pipeline"}}}}}}}, "p", "", "", 0);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().message, "invalid pipeline status type at index 0 in status.kratix.workflows.pipelines");
}

TEST(ClearPipelineSuspension, PutsThePipelineBackToRunning) {
  auto status = clear_pipeline_suspension(
      two_pipelines({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "waiting for approval"},
                     {"attempts", 18}, {"nextRetryAt", "2026-03-25T14:22:00Z"}}),
      "pipeline-b");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ((*status)["kratix"]["workflows"]["pipelines"][0], Json({{"name", "pipeline-a"}, {"phase", "Succeeded"}}));
  EXPECT_EQ((*status)["kratix"]["workflows"]["pipelines"][1], Json({{"name", "pipeline-b"}, {"phase", "Running"}}));
}

TEST(ClearPipelineSuspension, LeavesAStatusWithoutPipelinesAlone) {
  for (const Json& status : {Json({{"message", "Pending"}}), Json({{"kratix", {{"kind", "Jenkins"}}}}),
                             Json({{"kratix", {{"workflows", {{"suspendedGeneration", 3}}}}}})}) {
    auto cleared = clear_pipeline_suspension(status, "promise-configure");
    ASSERT_TRUE(cleared.has_value());
    EXPECT_EQ(*cleared, status);
  }
  auto missing = clear_pipeline_suspension(two_pipelines(), "pipeline-c");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "pipeline \"pipeline-c\" not found in status.kratix.workflows.pipelines");
}

// ---- plan_status_update: the whole status-writer decision ----

StatusUpdateInput input(Json status, std::optional<WorkflowControl> control = std::nullopt) {
  return {.object = {{"metadata", {{"name", "example"}, {"generation", 4}}}, {"status", std::move(status)}},
          .incoming = {{"message", "from the pipeline"}},
          .control = std::move(control),
          .workflow_type = "resource",
          .pipeline_name = "pipeline-b",
          .is_last_pipeline = true,
          .now = kUpdatedAt};
}

TEST(PlanStatusUpdate, TheLastPipelineCompletesTheWorkflow) {
  Json status = two_pipelines({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "was waiting"}});
  status["message"] = "Pending";
  status["kratix"]["workflows"]["suspendedGeneration"] = 3;
  auto in = input(status);
  in.incoming = {{"endpoint", "https://db"}};
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_FALSE(plan->suspend_label);
  EXPECT_EQ(plan->status["message"], "Resource requested");
  EXPECT_EQ(plan->status["endpoint"], "https://db");
  EXPECT_EQ(condition_of(plan->status, "ConfigureWorkflowCompleted")["lastTransitionTime"], "2026-03-25T14:12:00Z");
  EXPECT_FALSE(plan->status["kratix"]["workflows"].contains("suspendedGeneration"));
  EXPECT_EQ(plan->status["kratix"]["workflows"]["pipelines"][1], Json({{"name", "pipeline-b"}, {"phase", "Running"}}));
}

TEST(PlanStatusUpdate, AnEarlierPipelineDoesNotComplete) {
  auto in = input(two_pipelines());
  in.is_last_pipeline = false;
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(condition_of(plan->status, "ConfigureWorkflowCompleted").is_null());
  EXPECT_EQ(plan->status["message"], "from the pipeline");
}

TEST(PlanStatusUpdate, SuspendLabelsAndRecordsWithoutCompleting) {
  auto plan = plan_status_update(input(two_pipelines(), WorkflowControl{.suspend = true, .message = "approve me"}));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_TRUE(plan->suspend_label);
  EXPECT_TRUE(condition_of(plan->status, "ConfigureWorkflowCompleted").is_null());
  EXPECT_EQ(plan->status["kratix"]["workflows"]["pipelines"][1],
            Json({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "approve me"}}));
  EXPECT_EQ(plan->status["kratix"]["workflows"]["suspendedGeneration"], 4);
}

TEST(PlanStatusUpdate, RetryAfterSetsNextRetryAtAndCountsAttempts) {
  auto plan = plan_status_update(
      input(two_pipelines({{"name", "pipeline-b"}, {"phase", "Running"}, {"attempts", 17}}),
            WorkflowControl{.suspend = false, .message = "not yet", .retry_after = "10m"}));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_TRUE(plan->suspend_label);
  EXPECT_EQ(plan->status["kratix"]["workflows"]["pipelines"][1],
            Json({{"name", "pipeline-b"}, {"phase", "Suspended"}, {"message", "not yet"},
                  {"nextRetryAt", "2026-03-25T14:22:00Z"}, {"attempts", 18}}));
  EXPECT_EQ(plan->status["kratix"]["workflows"]["suspendedGeneration"], 4);
}

TEST(PlanStatusUpdate, RetryAfterWinsOverSuspend) {
  auto plan = plan_status_update(
      input(two_pipelines(), WorkflowControl{.suspend = true, .message = "", .retry_after = "1h30m"}));
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->status["kratix"]["workflows"]["pipelines"][1]["nextRetryAt"], "2026-03-25T15:42:00Z");
  EXPECT_EQ(plan->status["kratix"]["workflows"]["pipelines"][1]["attempts"], 1);
}

TEST(PlanStatusUpdate, AnInvalidRetryAfterFailsTheContainer) {
  auto plan = plan_status_update(input(two_pipelines(), WorkflowControl{.retry_after = "10 minutes"}));
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().message,
            "failed to parse retry duration: \"10 minutes\" with error: time: unknown unit \" minutes\" in duration "
            "\"10 minutes\"");
}

TEST(PlanStatusUpdate, RefusesKratixInStatusYaml) {
  auto in = input(two_pipelines());
  in.incoming = {{"kratix", "mine"}};
  auto plan = plan_status_update(in);
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("'kratix' is a kratix managed status field")) << plan.error().message;
}

TEST(PlanStatusUpdate, APromiseTakesOnlyTheMessage) {
  auto in = input({{"message", "Pending"}, {"kind", "redis"}});
  in.workflow_type = "promise";
  in.is_last_pipeline = false;
  in.incoming = {{"message", "configured by the pipeline"}, {"endpoint", "x"}, {"kind", "other"}};
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->status, Json({{"message", "configured by the pipeline"}, {"kind", "redis"}}));
  EXPECT_EQ(plan->warnings, std::vector<std::string>{"promise workflow status has unsupported keys: endpoint, kind in "
                                                     "status.yaml; only 'message' can be updated in Promise status."});
}

TEST(PlanStatusUpdate, OtherWorkflowTypesSkipTheBookkeeping) {
  auto in = input(Json::object(), WorkflowControl{.suspend = true});
  in.workflow_type = "";
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_FALSE(plan->suspend_label);
}

// ---- delete pipelines: recorded apart from the configure workflow, never completing it ----

TEST(PlanStatusUpdate, ADeletePipelineSuspendsUnderItsOwnRecord) {
  auto in = input(two_pipelines(), WorkflowControl{.message = "waiting for delete approval", .retry_after = "30s"});
  in.workflow_action = "delete";
  in.pipeline_name = "cleanup";
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_TRUE(plan->suspend_label);
  const Json& workflows = plan->status["kratix"]["workflows"];
  EXPECT_EQ(workflows["delete"]["pipelines"],
            Json::array({{{"name", "cleanup"}, {"phase", "Suspended"}, {"message", "waiting for delete approval"},
                          {"nextRetryAt", "2026-03-25T14:12:30Z"}, {"attempts", 1}}}))
      << "the entry is made when the controller's is not there yet";
  EXPECT_EQ(workflows["delete"]["suspendedGeneration"], 4);
  EXPECT_FALSE(workflows.contains("suspendedGeneration")) << "the configure workflow is not suspended";
  EXPECT_EQ(workflows["pipelines"], two_pipelines()["kratix"]["workflows"]["pipelines"]);
}

TEST(PlanStatusUpdate, ADeletePipelineNeverCompletesTheConfigureWorkflow) {
  auto in = input(two_pipelines());
  in.workflow_action = "delete";
  in.pipeline_name = "cleanup";
  auto plan = plan_status_update(in);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_FALSE(plan->suspend_label);
  EXPECT_TRUE(condition_of(plan->status, "ConfigureWorkflowCompleted").is_null());
  EXPECT_EQ(plan->status["kratix"]["workflows"]["delete"]["pipelines"][0],
            Json({{"name", "cleanup"}, {"phase", "Running"}}));
}

TEST(MarkPipelineSuspended, ADeleteRecordIsMadeEvenOnAnEmptyStatus) {
  auto s = mark_pipeline_suspended(Json(), "cleanup", "", "", 2, "delete");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ((*s)["kratix"]["workflows"]["delete"],
            Json({{"pipelines", Json::array({{{"name", "cleanup"}, {"phase", "Suspended"}}})}, {"suspendedGeneration", 2}}));
}

}  // namespace
}  // namespace pave::adapter
