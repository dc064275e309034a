// What a configure workflow's progress writes on a Promise or resource request (kratix-spec.md 1.1, 2.5,
// 2.8), and the CRD a Promise's spec.api becomes (2.1 step 6, 2.2), after Kratix's promise_controller_test,
// dynamic_resource_request_controller_test and lib/workflow/reconciler_test: counters, pipeline phases and
// their transition times, the exact condition types, reasons and messages, and the CRD's injected parts.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/kratix.h"
#include "platform/promise_crd.h"
#include "platform/workflow_status.h"

namespace pave::platform {
namespace {

using kube::Json;
using workflow::Decision;
using Kind = Decision::Kind;

const std::vector<std::string> kPipelines = {"pipeline-1", "pipeline-2"};
const std::string kLongAgo = "2020-01-02T03:04:05Z";

Json condition_of(const Json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

void expect_condition(const Json& status, const std::string& type, const std::string& value, const std::string& reason,
                      const std::string& message) {
  const Json c = condition_of(status, type);
  ASSERT_TRUE(c.is_object()) << "no " << type << " condition in " << status.dump();
  EXPECT_EQ(c.value("status", ""), value) << type;
  EXPECT_EQ(c.value("reason", ""), reason) << type;
  EXPECT_EQ(c.value("message", ""), message) << type;
  EXPECT_FALSE(c.value("lastTransitionTime", "").empty()) << type;
}

const Json& pipelines_of(const Json& status) { return status["kratix"]["workflows"]["pipelines"]; }

std::vector<std::string> phases(const Json& status) {
  std::vector<std::string> out;
  for (const auto& p : pipelines_of(status)) out.push_back(p.value("phase", ""));
  return out;
}

Json apply(Json status, const Decision& d, int64_t generation = 3, const std::vector<std::string>& pipelines = kPipelines) {
  apply_workflow_decision(status, pipelines, d, generation);
  return status;
}

// The status of a workflow whose two pipelines completed, as the last status-writer left it.
Json completed_status() {
  return {{"message", "Promise configured"},
          {"workflows", 2},
          {"workflowsSucceeded", 2},
          {"workflowsFailed", 0},
          {"conditions",
           Json::array({{{"type", "ConfigureWorkflowCompleted"}, {"status", "True"}, {"reason", "PipelinesExecutedSuccessfully"},
                         {"message", "Pipelines completed"}, {"lastTransitionTime", kLongAgo}, {"observedGeneration", 3}}})},
          {"kratix",
           {{"workflows",
             {{"pipelines", Json::array({{{"name", "pipeline-1"}, {"phase", "Succeeded"}, {"lastTransitionTime", kLongAgo}},
                                         {{"name", "pipeline-2"}, {"phase", "Succeeded"}, {"lastTransitionTime", kLongAgo}}})}}}}}};
}

// --- apply_workflow_decision ----------------------------------------------------------------------------

TEST(WorkflowStatus, TheFirstReconcileMarksTheFirstPipelineRunning) {
  const Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 0});
  EXPECT_EQ(status["workflows"], 2);
  EXPECT_EQ(status["workflowsSucceeded"], 0);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(status["message"], "Pending");
  ASSERT_EQ(pipelines_of(status).size(), 2u);
  EXPECT_EQ(pipelines_of(status)[0]["name"], "pipeline-1");
  EXPECT_EQ(pipelines_of(status)[1]["name"], "pipeline-2");
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Running", "Pending"}));
  for (const auto& p : pipelines_of(status)) EXPECT_FALSE(p.value("lastTransitionTime", "").empty());
  expect_condition(status, "ConfigureWorkflowCompleted", "False", "PipelinesInProgress", "Pipelines are still in progress");
  expect_condition(status, "Reconciled", "Unknown", "WorkflowPending", "Pending");
  EXPECT_EQ(condition_of(status, "ConfigureWorkflowCompleted")["observedGeneration"], 3);
  EXPECT_EQ(condition_of(status, "Reconciled")["observedGeneration"], 3);
}

TEST(WorkflowStatus, AStatusThatIsNotAnObjectIsReplaced) {
  const Json status = apply(nullptr, {.kind = Kind::kStart, .pipeline = 0});
  EXPECT_EQ(status["message"], "Pending");
  EXPECT_EQ(status["workflows"], 2);
}

TEST(WorkflowStatus, ANewRunResetsCountersPhasesAndTheMessage) {
  const Json status = apply(completed_status(), {.kind = Kind::kStart, .pipeline = 0});
  EXPECT_EQ(status["message"], "Pending");
  EXPECT_EQ(status["workflowsSucceeded"], 0);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Running", "Pending"}));
  EXPECT_NE(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo) << "its phase changed";
  EXPECT_NE(pipelines_of(status)[1]["lastTransitionTime"], kLongAgo) << "its phase changed";
  expect_condition(status, "ConfigureWorkflowCompleted", "False", "PipelinesInProgress", "Pipelines are still in progress");
  EXPECT_NE(condition_of(status, "ConfigureWorkflowCompleted")["lastTransitionTime"], kLongAgo);
  expect_condition(status, "Reconciled", "Unknown", "WorkflowPending", "Pending");
}

TEST(WorkflowStatus, StartingTheNextPipelineCountsTheCompletedOnes) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 0});
  status["message"] = "set by pipeline-1's status.yaml";
  status = apply(status, {.kind = Kind::kStart, .pipeline = 1, .succeeded = 1});
  EXPECT_EQ(status["workflowsSucceeded"], 1);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Succeeded", "Running"}));
  // Kratix sets the message to Pending whenever it starts a pipeline, so the last status-writer can turn
  // it into "Resource requested" / "Promise configured".
  EXPECT_EQ(status["message"], "Pending");
  expect_condition(status, "ConfigureWorkflowCompleted", "False", "PipelinesInProgress", "Pipelines are still in progress");
  expect_condition(status, "Reconciled", "Unknown", "WorkflowPending", "Pending");
}

TEST(WorkflowStatus, WaitingLeavesTheMessageAndKeepsTransitionTimes) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 0});
  status["message"] = "Pending";
  for (auto& p : status["kratix"]["workflows"]["pipelines"]) p["lastTransitionTime"] = kLongAgo;
  for (auto& c : status["conditions"]) c["lastTransitionTime"] = kLongAgo;

  status = apply(status, {.kind = Kind::kWait, .pipeline = 0, .job = "job-1"});
  EXPECT_EQ(status["message"], "Pending");
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Running", "Pending"}));
  EXPECT_EQ(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo) << "Running still holds";
  EXPECT_EQ(pipelines_of(status)[1]["lastTransitionTime"], kLongAgo) << "Pending still holds";
  EXPECT_EQ(condition_of(status, "ConfigureWorkflowCompleted")["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(condition_of(status, "Reconciled")["lastTransitionTime"], kLongAgo);
}

TEST(WorkflowStatus, WaitingDoesNotOverwriteAMessage) {
  Json status = completed_status();
  status["message"] = "custom";
  status = apply(status, {.kind = Kind::kWait, .pipeline = 1, .succeeded = 1, .job = "job-2"});
  EXPECT_EQ(status["message"], "custom");
  EXPECT_EQ(status["workflowsSucceeded"], 1);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Succeeded", "Running"}));
  EXPECT_EQ(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo) << "Succeeded still holds";
}

TEST(WorkflowStatus, APhaseChangeMovesOnlyThatPipelinesTransitionTime) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 0});
  for (auto& p : status["kratix"]["workflows"]["pipelines"]) p["lastTransitionTime"] = kLongAgo;
  status = apply(status, {.kind = Kind::kStart, .pipeline = 1, .succeeded = 1});
  EXPECT_NE(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo);
  EXPECT_NE(pipelines_of(status)[1]["lastTransitionTime"], kLongAgo);

  for (auto& p : status["kratix"]["workflows"]["pipelines"]) p["lastTransitionTime"] = kLongAgo;
  status = apply(status, {.kind = Kind::kFailed, .pipeline = 1, .succeeded = 1, .job = "job-2"});
  EXPECT_EQ(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo) << "pipeline-1 is still Succeeded";
  EXPECT_NE(pipelines_of(status)[1]["lastTransitionTime"], kLongAgo) << "pipeline-2 went Running -> Failed";
}

TEST(WorkflowStatus, AFailedPipelineFailsTheWorkflow) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 0});
  status["message"] = "Pending";
  status = apply(status, {.kind = Kind::kFailed, .pipeline = 0, .succeeded = 0, .job = "job-1"});
  EXPECT_EQ(status["workflowsSucceeded"], 0);
  EXPECT_EQ(status["workflowsFailed"], 1);
  EXPECT_EQ(status["workflows"], 2);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Failed", "Pending"}));
  EXPECT_FALSE(pipelines_of(status)[0].value("lastTransitionTime", "").empty());
  expect_condition(status, "ConfigureWorkflowCompleted", "False", "ConfigureWorkflowFailed",
                   "A Configure Pipeline has failed: pipeline-1");
  expect_condition(status, "Reconciled", "False", "ConfigureWorkflowFailed", "Failing");
  EXPECT_EQ(status["message"], "Pending") << "a failure leaves the message alone";
  EXPECT_EQ(status["conditions"].size(), 2u);
}

TEST(WorkflowStatus, AFailureAtALaterPipelineNamesItAndCountsTheOnesBefore) {
  const Json status = apply(Json::object(), {.kind = Kind::kFailed, .pipeline = 1, .succeeded = 1, .job = "job-2"});
  EXPECT_EQ(status["workflowsSucceeded"], 1);
  EXPECT_EQ(status["workflowsFailed"], 1);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Succeeded", "Failed"}));
  expect_condition(status, "ConfigureWorkflowCompleted", "False", "ConfigureWorkflowFailed",
                   "A Configure Pipeline has failed: pipeline-2");
}

TEST(WorkflowStatus, AFailureSeenAgainKeepsItsTransitionTimes) {
  Json status = apply(Json::object(), {.kind = Kind::kFailed, .pipeline = 0, .job = "job-1"});
  for (auto& p : status["kratix"]["workflows"]["pipelines"]) p["lastTransitionTime"] = kLongAgo;
  for (auto& c : status["conditions"]) c["lastTransitionTime"] = kLongAgo;
  status = apply(status, {.kind = Kind::kFailed, .pipeline = 0, .job = "job-1"});
  EXPECT_EQ(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(condition_of(status, "ConfigureWorkflowCompleted")["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(condition_of(status, "Reconciled")["lastTransitionTime"], kLongAgo);
}

TEST(WorkflowStatus, ARerunAfterAFailureResetsTheFailedCounterAndThenSucceeds) {
  Json status = apply(Json::object(), {.kind = Kind::kFailed, .pipeline = 0, .job = "job-1"});
  status = apply(status, {.kind = Kind::kStart, .pipeline = 0});
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(status["workflowsSucceeded"], 0);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Running", "Pending"}));
  expect_condition(status, "Reconciled", "Unknown", "WorkflowPending", "Pending");

  status = apply(status, {.kind = Kind::kStart, .pipeline = 1, .succeeded = 1});
  EXPECT_EQ(status["workflowsSucceeded"], 1);
  status = apply(status, {.kind = Kind::kCompleted, .pipeline = 1, .succeeded = 2, .job = "job-3"});
  EXPECT_EQ(status["workflowsSucceeded"], 2);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Succeeded", "Succeeded"}));
}

TEST(WorkflowStatus, ACompletedWorkflowMarksEveryPipelineSucceeded) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 1, .succeeded = 1});
  status = apply(status, {.kind = Kind::kCompleted, .pipeline = 1, .succeeded = 2, .job = "job-2"});
  EXPECT_EQ(status["workflows"], 2);
  EXPECT_EQ(status["workflowsSucceeded"], 2);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_EQ(phases(status), (std::vector<std::string>{"Succeeded", "Succeeded"}));
  expect_condition(status, "ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed");
}

TEST(WorkflowStatus, CompletionKeepsTheStatusWritersTransitionTimeAndMessage) {
  const Json status = apply(completed_status(), {.kind = Kind::kCompleted, .pipeline = 1, .succeeded = 2, .job = "job-2"});
  EXPECT_EQ(condition_of(status, "ConfigureWorkflowCompleted")["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(pipelines_of(status)[0]["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(pipelines_of(status)[1]["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(status["message"], "Promise configured");
}

TEST(WorkflowStatus, AWorkflowOfNoPipelinesCompletesWithZeroCounters) {
  const Json status = apply(Json::object(), {.kind = Kind::kCompleted}, 1, {});
  EXPECT_EQ(status["workflows"], 0);
  EXPECT_EQ(status["workflowsSucceeded"], 0);
  EXPECT_EQ(status["workflowsFailed"], 0);
  EXPECT_TRUE(pipelines_of(status).is_array());
  EXPECT_TRUE(pipelines_of(status).empty());
  expect_condition(status, "ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed");
}

TEST(WorkflowStatus, ThePipelinesListFollowsTheWorkflowsPipelines) {
  Json status = completed_status();
  const Json out = apply(status, {.kind = Kind::kStart, .pipeline = 0}, 4, {"renamed", "pipeline-2", "added"});
  ASSERT_EQ(pipelines_of(out).size(), 3u);
  EXPECT_EQ(pipelines_of(out)[0]["name"], "renamed");
  EXPECT_EQ(pipelines_of(out)[1]["name"], "pipeline-2");
  EXPECT_EQ(pipelines_of(out)[2]["name"], "added");
  EXPECT_EQ(phases(out), (std::vector<std::string>{"Running", "Pending", "Pending"}));
  EXPECT_EQ(out["workflows"], 3);
}

// --- works_condition ------------------------------------------------------------------------------------

kube::ObjectPtr work(const std::string& name, const Json& ready) {
  Json w = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Work"},
            {"metadata", {{"name", name}, {"namespace", "default"}}}};
  if (!ready.is_null()) {
    w["status"]["conditions"] = Json::array({{{"type", "ScheduleSucceeded"}, {"status", "True"}, {"message", "ignored"}}, ready});
  }
  return std::make_shared<const Json>(std::move(w));
}

Json ready(const char* status, const char* message) {
  return {{"type", "Ready"}, {"status", status}, {"message", message}, {"reason", "whatever"}};
}

const std::string kPromiseReady = api::promise::kMessageWorksSucceeded;
const std::string kRequestReady = api::request::kMessageWorksSucceeded;

TEST(WorksCondition, SuccessMessagesAreKratixs) {
  EXPECT_EQ(kPromiseReady, "All works associated with this promise are ready");
  EXPECT_EQ(kRequestReady, "All works associated with this resource are ready");
}

TEST(WorksCondition, AllWorksReadyIsTrue) {
  const auto c = works_condition({work("a", ready("True", "Ready")), work("b", ready("True", "Ready"))}, kRequestReady, 7);
  EXPECT_EQ(c.type, "WorksSucceeded");
  EXPECT_TRUE(c.status);
  EXPECT_FALSE(c.unknown);
  EXPECT_EQ(c.reason, "WorksSucceeded");
  EXPECT_EQ(c.message, kRequestReady);
  EXPECT_EQ(c.observed_generation, 7);
}

TEST(WorksCondition, NoWorksIsTrue) {
  const auto c = works_condition({}, kPromiseReady, 1);
  EXPECT_TRUE(c.status);
  EXPECT_EQ(c.reason, "WorksSucceeded");
  EXPECT_EQ(c.message, kPromiseReady);
}

TEST(WorksCondition, AnyFailingWorkIsFalseWorksFailing) {
  const auto c = works_condition({work("pending", ready("False", "Pending")), work("misplaced", ready("False", "Misplaced")),
                                  work("broken", ready("False", "Failing")), work("fine", ready("True", "Ready"))},
                                 kRequestReady, 2);
  EXPECT_FALSE(c.status);
  EXPECT_FALSE(c.unknown);
  EXPECT_EQ(c.reason, "WorksFailing");
  EXPECT_NE(c.message.find("broken"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("fine"), std::string::npos) << c.message;
}

TEST(WorksCondition, PendingWorksAreUnknownWorksPending) {
  const auto c = works_condition({work("waiting", ready("False", "Pending")), work("misplaced", ready("False", "Misplaced")),
                                  work("fine", ready("True", "Ready"))},
                                 kRequestReady, 2);
  EXPECT_TRUE(c.unknown);
  EXPECT_EQ(c.reason, "WorksPending");
  EXPECT_NE(c.message.find("waiting"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("misplaced"), std::string::npos) << c.message;
}

TEST(WorksCondition, AWorkWithNoReadyConditionIsPending) {
  const auto c = works_condition({work("new", nullptr), work("fine", ready("True", "Ready"))}, kPromiseReady, 2);
  EXPECT_TRUE(c.unknown);
  EXPECT_EQ(c.reason, "WorksPending");
  EXPECT_NE(c.message.find("new"), std::string::npos) << c.message;
}

TEST(WorksCondition, MisplacedWorksAreFalseWorksMisplaced) {
  const auto c = works_condition({work("moved", ready("False", "Misplaced")), work("fine", ready("True", "Ready"))}, kRequestReady, 2);
  EXPECT_FALSE(c.status);
  EXPECT_FALSE(c.unknown);
  EXPECT_EQ(c.reason, "WorksMisplaced");
  EXPECT_NE(c.message.find("moved"), std::string::npos) << c.message;
}

TEST(WorksCondition, MessagesNameEveryWorkInTheState) {
  const auto c = works_condition({work("one", ready("False", "Failing")), work("two", ready("False", "Failing"))}, kRequestReady, 2);
  EXPECT_NE(c.message.find("one"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("two"), std::string::npos) << c.message;
}

// --- mark_reconciled ------------------------------------------------------------------------------------

Json completed_and_marked(const api::Condition& works, int64_t generation = 3) {
  Json status = apply(completed_status(), {.kind = Kind::kCompleted, .pipeline = 1, .succeeded = 2}, generation);
  mark_reconciled(status, works, generation);
  return status;
}

TEST(MarkReconciled, ReadyWorksReconcile) {
  const Json status = completed_and_marked(works_condition({work("a", ready("True", "Ready"))}, kPromiseReady, 3));
  expect_condition(status, "WorksSucceeded", "True", "WorksSucceeded", kPromiseReady);
  expect_condition(status, "Reconciled", "True", "Reconciled", "Reconciled");
  EXPECT_EQ(condition_of(status, "Reconciled")["observedGeneration"], 3);
  EXPECT_EQ(status["observedGeneration"], 3);
}

TEST(MarkReconciled, PendingWorksLeaveItPending) {
  const Json status = completed_and_marked(works_condition({work("a", ready("False", "Pending"))}, kPromiseReady, 3));
  const Json works = condition_of(status, "WorksSucceeded");
  EXPECT_EQ(works["status"], "Unknown");
  EXPECT_EQ(works["reason"], "WorksPending");
  expect_condition(status, "Reconciled", "Unknown", "WorksPending", "Pending");
}

TEST(MarkReconciled, NoReadyConditionLeavesItPending) {
  const Json status = completed_and_marked(works_condition({work("a", nullptr)}, kRequestReady, 3));
  expect_condition(status, "Reconciled", "Unknown", "WorksPending", "Pending");
}

TEST(MarkReconciled, FailingWorksAreFailing) {
  const Json status = completed_and_marked(works_condition({work("a", ready("False", "Failing"))}, kRequestReady, 3));
  EXPECT_EQ(condition_of(status, "WorksSucceeded")["status"], "False");
  EXPECT_EQ(condition_of(status, "WorksSucceeded")["reason"], "WorksFailing");
  expect_condition(status, "Reconciled", "False", "WorksFailing", "Failing");
}

TEST(MarkReconciled, MisplacedWorksAreFailingWithKratixsReason) {
  // Reconciled=False "Failing" takes only ConfigureWorkflowFailed or WorksFailing (spec 1.1); Kratix marks
  // misplaced Works' objects Failing with WorksFailing too.
  const Json status = completed_and_marked(works_condition({work("a", ready("False", "Misplaced"))}, kRequestReady, 3));
  EXPECT_EQ(condition_of(status, "WorksSucceeded")["reason"], "WorksMisplaced");
  expect_condition(status, "Reconciled", "False", "WorksFailing", "Failing");
}

TEST(MarkReconciled, RecordsTheLastSuccessfulConfigureTimeAtBothPlaces) {
  const Json status = completed_and_marked(works_condition({}, kRequestReady, 3));
  const std::string completed_at = condition_of(status, "ConfigureWorkflowCompleted").value("lastTransitionTime", "");
  EXPECT_EQ(completed_at, kLongAgo);
  EXPECT_EQ(status["lastSuccessfulConfigureWorkflowTime"], completed_at);
  EXPECT_EQ(status["kratix"]["workflows"]["lastSuccessfulConfigureWorkflowTime"], completed_at);
}

TEST(MarkReconciled, TheLastSuccessfulConfigureTimeFollowsAFreshCompletion) {
  Json status = apply(Json::object(), {.kind = Kind::kStart, .pipeline = 1, .succeeded = 1});
  status = apply(status, {.kind = Kind::kCompleted, .pipeline = 1, .succeeded = 2});
  mark_reconciled(status, works_condition({}, kRequestReady, 3), 3);
  const std::string completed_at = condition_of(status, "ConfigureWorkflowCompleted").value("lastTransitionTime", "");
  EXPECT_FALSE(completed_at.empty());
  EXPECT_EQ(status["lastSuccessfulConfigureWorkflowTime"], completed_at);
  EXPECT_EQ(status["kratix"]["workflows"]["lastSuccessfulConfigureWorkflowTime"], completed_at);
}

TEST(MarkReconciled, NoSuccessfulConfigureTimeWithoutACompletedWorkflow) {
  Json status = apply(Json::object(), {.kind = Kind::kFailed, .pipeline = 0});
  mark_reconciled(status, works_condition({}, kRequestReady, 3), 3);
  EXPECT_FALSE(status.contains("lastSuccessfulConfigureWorkflowTime"));
  EXPECT_FALSE(status["kratix"]["workflows"].contains("lastSuccessfulConfigureWorkflowTime"));
}

TEST(MarkReconciled, KeepsReconciledsTransitionTimeWhileItHolds) {
  Json status = completed_and_marked(works_condition({}, kRequestReady, 3));
  for (auto& c : status["conditions"]) c["lastTransitionTime"] = kLongAgo;
  mark_reconciled(status, works_condition({}, kRequestReady, 4), 4);
  EXPECT_EQ(condition_of(status, "Reconciled")["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(condition_of(status, "Reconciled")["observedGeneration"], 4);
  EXPECT_EQ(condition_of(status, "WorksSucceeded")["lastTransitionTime"], kLongAgo);
  EXPECT_EQ(status["observedGeneration"], 4);
}

// --- promise_crd ----------------------------------------------------------------------------------------

Json version(const std::string& name, bool storage, Json extra = Json::object()) {
  Json v = {{"name", name},
            {"served", true},
            {"storage", storage},
            {"schema",
             {{"openAPIV3Schema",
               {{"type", "object"},
                {"properties",
                 {{"spec", {{"type", "object"}, {"properties", {{"size", {{"type", "string"}}}}}}},
                  {"status", {{"type", "object"}, {"properties", {{"mine", {{"type", "string"}}}}}}}}}}}}}};
  v.update(extra);
  return v;
}

Json redis_api(Json versions = Json::array({version("v1alpha1", true)})) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "redis.marketplace.kratix.io"}, {"labels", {{"team", "data"}}}}},
          {"spec",
           {{"group", "marketplace.kratix.io"},
            {"names", {{"kind", "redis"}, {"plural", "redis"}, {"singular", "redis"}}},
            {"scope", "Namespaced"},
            {"versions", versions}}}};
}

Json promise_with(const Json& api) {
  Json p = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Promise"}, {"metadata", {{"name", "redis"}}},
            {"spec", Json::object()}};
  p["spec"]["api"] = api;
  return p;
}

Json crd_of(const Json& api) {
  auto crd = promise_crd(promise_with(api));
  EXPECT_TRUE(crd.has_value()) << (crd ? "" : crd.error().message);
  if (!crd || !*crd) return nullptr;
  return **crd;
}

std::string invalid_message(const Json& api) {
  auto crd = promise_crd(promise_with(api));
  EXPECT_FALSE(crd.has_value()) << "accepted " << api.dump();
  if (crd) return "";
  EXPECT_EQ(crd.error().kind, kube::ErrorKind::kInvalid);
  return crd.error().message;
}

TEST(PromiseCrd, NoApiIsNoCrd) {
  Json absent = promise_with(nullptr);
  absent["spec"].erase("api");
  for (const Json& promise : {absent, promise_with(Json::object()), promise_with(nullptr)}) {
    auto crd = promise_crd(promise);
    ASSERT_TRUE(crd.has_value()) << promise.dump();
    EXPECT_FALSE(crd->has_value()) << promise.dump();
  }
  Json no_spec = {{"metadata", {{"name", "deps-only"}}}};
  auto crd = promise_crd(no_spec);
  ASSERT_TRUE(crd.has_value());
  EXPECT_FALSE(crd->has_value());
}

TEST(PromiseCrd, IsACrdLabelledWithThePromise) {
  const Json crd = crd_of(redis_api());
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["kind"], "CustomResourceDefinition");
  EXPECT_EQ(crd["metadata"]["name"], "redis.marketplace.kratix.io");
  EXPECT_EQ(crd["metadata"]["labels"]["kratix.io/promise-name"], "redis");
  EXPECT_EQ(crd["metadata"]["labels"]["team"], "data") << "the API's own labels stay";
  EXPECT_EQ(crd["spec"]["group"], "marketplace.kratix.io");
  EXPECT_EQ(crd["spec"]["names"]["kind"], "redis");
  EXPECT_EQ(crd["spec"]["scope"], "Namespaced");
}

TEST(PromiseCrd, AnApiWithoutLabelsIsLabelled) {
  Json api = redis_api();
  api["metadata"].erase("labels");
  const Json crd = crd_of(api);
  EXPECT_EQ(crd["metadata"]["labels"], (Json{{"kratix.io/promise-name", "redis"}}));
}

TEST(PromiseCrd, EveryVersionGetsTheStatusSubresourceAndKratixsStatusSchema) {
  const Json crd = crd_of(redis_api(Json::array({version("v1alpha1", false), version("v1", true)})));
  ASSERT_EQ(crd["spec"]["versions"].size(), 2u);
  for (const auto& v : crd["spec"]["versions"]) {
    SCOPED_TRACE(v.value("name", ""));
    EXPECT_EQ(v["subresources"]["status"], Json::object());
    const Json& schema = v["schema"]["openAPIV3Schema"];
    EXPECT_EQ(schema["properties"]["spec"]["properties"]["size"]["type"], "string") << "the API's own schema stays";
    const Json& status = schema["properties"]["status"];
    EXPECT_EQ(status["type"], "object");
    EXPECT_EQ(status["x-kubernetes-preserve-unknown-fields"], true);
    EXPECT_FALSE(status["properties"].contains("mine")) << "the API's status schema is replaced";
    for (const char* field : {"message", "observedGeneration", "workflows", "workflowsSucceeded", "workflowsFailed", "conditions"}) {
      EXPECT_TRUE(status["properties"].contains(field)) << field;
    }
    EXPECT_EQ(status["properties"]["message"]["type"], "string");
    EXPECT_EQ(status["properties"]["conditions"]["type"], "array");
    const Json& workflows = status["properties"]["kratix"]["properties"]["workflows"];
    for (const char* field : {"lastSuccessfulConfigureWorkflowTime", "pipelines", "suspendedGeneration"}) {
      EXPECT_TRUE(workflows["properties"].contains(field)) << field;
    }
    EXPECT_EQ(workflows["properties"]["pipelines"]["type"], "array");
  }
}

TEST(PromiseCrd, AVersionWithoutASchemaGetsOne) {
  const Json crd = crd_of(redis_api(Json::array({{{"name", "v1"}, {"served", true}, {"storage", true}}})));
  const Json& schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["properties"]["status"]["x-kubernetes-preserve-unknown-fields"], true);
}

TEST(PromiseCrd, DefaultPrinterColumnsOnlyWhereAVersionHasNone) {
  const Json own = Json::array({{{"name", "Size"}, {"type", "string"}, {"jsonPath", ".spec.size"}}});
  const Json crd = crd_of(redis_api(Json::array({version("v1alpha1", false, {{"additionalPrinterColumns", own}}),
                                                 version("v1beta1", false), version("v1", true, {{"additionalPrinterColumns", Json::array()}})})));
  const Json& versions = crd["spec"]["versions"];
  EXPECT_EQ(versions[0]["additionalPrinterColumns"], own) << "a version's own columns are left alone";
  const Json defaults = Json::array({{{"name", "message"}, {"type", "string"}, {"jsonPath", ".status.message"}},
                                     {{"name", "status"}, {"type", "string"},
                                      {"jsonPath", ".status.conditions[?(@.type==\"Reconciled\")].message"}}});
  EXPECT_EQ(versions[1]["additionalPrinterColumns"], defaults);
  EXPECT_EQ(versions[2]["additionalPrinterColumns"], defaults) << "an empty list is no columns";
}

TEST(PromiseCrd, NamesAreCappedAt63CharactersOnTheStorageVersionOnly) {
  const Json crd = crd_of(redis_api(Json::array({version("v1alpha1", false), version("v1", true)})));
  const Json& versions = crd["spec"]["versions"];
  EXPECT_FALSE(versions[0]["schema"]["openAPIV3Schema"]["properties"].contains("metadata"));
  const Json& metadata = versions[1]["schema"]["openAPIV3Schema"]["properties"]["metadata"];
  EXPECT_EQ(metadata["type"], "object");
  EXPECT_EQ(metadata["properties"]["name"]["type"], "string");
  EXPECT_EQ(metadata["properties"]["name"]["maxLength"], 63);
}

TEST(PromiseCrd, TheFirstVersionIsStorageWhenNoneIs) {
  Json v1 = version("v1alpha1", false), v2 = version("v1", false);
  v1.erase("storage");
  const Json crd = crd_of(redis_api(Json::array({v1, v2})));
  const Json& versions = crd["spec"]["versions"];
  EXPECT_EQ(versions[0]["storage"], true);
  EXPECT_EQ(versions[1].value("storage", false), false);
  EXPECT_EQ(versions[0]["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"]["name"]["maxLength"], 63);
  EXPECT_FALSE(versions[1]["schema"]["openAPIV3Schema"]["properties"].contains("metadata"));
  EXPECT_EQ(promise_api_version(crd), "marketplace.kratix.io/v1alpha1");
}

TEST(PromiseCrd, AMarkedStorageVersionStaysTheStorageVersion) {
  const Json crd = crd_of(redis_api(Json::array({version("v1alpha1", false), version("v1", true)})));
  EXPECT_EQ(crd["spec"]["versions"][0]["storage"], false);
  EXPECT_EQ(crd["spec"]["versions"][1]["storage"], true);
  EXPECT_EQ(promise_api_version(crd), "marketplace.kratix.io/v1");
}

TEST(PromiseCrd, ClusterScopedApisAreRefused) {
  Json api = redis_api();
  api["spec"]["scope"] = "Cluster";
  EXPECT_EQ(invalid_message(api), "promise api needs to be namespace scoped");
}

TEST(PromiseCrd, ApisThatAreNotCrdsAreRefused) {
  Json wrong_kind = redis_api();
  wrong_kind["kind"] = "ConfigMap";
  EXPECT_NE(invalid_message(wrong_kind), "");

  Json no_group = redis_api();
  no_group["spec"].erase("group");
  EXPECT_NE(invalid_message(no_group), "");

  Json no_names = redis_api();
  no_names["spec"].erase("names");
  EXPECT_NE(invalid_message(no_names), "");

  Json no_kind = redis_api();
  no_kind["spec"]["names"].erase("kind");
  EXPECT_NE(invalid_message(no_kind), "");

  Json no_plural = redis_api();
  no_plural["spec"]["names"].erase("plural");
  EXPECT_NE(invalid_message(no_plural), "");

  Json no_versions = redis_api();
  no_versions["spec"].erase("versions");
  EXPECT_NE(invalid_message(no_versions), "");

  EXPECT_NE(invalid_message(redis_api(Json::array())), "");

  Json wrong_name = redis_api();
  wrong_name["metadata"]["name"] = "something-else";
  EXPECT_NE(invalid_message(wrong_name), "");
}

TEST(PromiseApiVersion, IsTheLowerCasedGroupAndStorageVersion) {
  const Json crd = {{"spec",
                     {{"group", "Marketplace.Kratix.IO"},
                      {"versions", Json::array({{{"name", "v1Alpha1"}, {"storage", false}}, {{"name", "V1Beta2"}, {"storage", true}}})}}}};
  EXPECT_EQ(promise_api_version(crd), "marketplace.kratix.io/v1beta2");
}

}  // namespace
}  // namespace pave::platform
