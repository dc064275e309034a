// What holds or restarts a configure workflow before its Jobs are looked at (kratix-spec.md 2.6, 3.6):
// pause and unpause, the periodic re-run (and reconcileAfterFailure), workflow-control.yaml's suspend and
// retryAfter, and the labels, status and Warning each gate leaves, with Kratix's strings.
#include "platform/workflow_gates.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>

#include "kube/object.h"
#include "kube/time.h"

namespace pave::platform {
namespace {

using kube::Json;
using Kind = Gate::Kind;
using namespace std::chrono_literals;

const auto kNow = std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 10h;

std::string at(std::chrono::seconds from_now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(kNow + from_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

GateInput request_input() {
  return {.object = GateInput::Object::kResourceRequest, .interval = 10min, .reconcile_after_failure = true, .now = kNow};
}
GateInput delete_input();

GateInput promise_input() {
  GateInput in = request_input();
  in.object = GateInput::Object::kPromise;
  return in;
}

Json object(Json labels = Json::object(), Json status = Json::object(), int64_t generation = 1) {
  return {{"metadata", {{"name", "example"}, {"generation", generation}, {"labels", std::move(labels)}}},
          {"status", std::move(status)}};
}

Json completed(const std::string& status, const std::string& reason, std::chrono::seconds ago) {
  return {{"conditions", Json::array({{{"type", "ConfigureWorkflowCompleted"}, {"status", status}, {"reason", reason},
                                       {"lastTransitionTime", at(-ago)}}})}};
}

// status.kratix.workflows with pipelines a, b, c; b as given.
Json suspended_status(Json b, int64_t suspended_generation = 1) {
  b["name"] = "b";
  return {{"kratix", {{"workflows", {{"suspendedGeneration", suspended_generation},
                                     {"pipelines", Json::array({{{"name", "a"}, {"phase", "Succeeded"}}, b,
                                                                {{"name", "c"}, {"phase", "Pending"}}})}}}}}};
}

const Json kSuspendedLabel = {{"kratix.io/workflow-suspended", "true"}};

Json condition(const Json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

// --- pause ------------------------------------------------------------------------------------------------

TEST(Gate, APausedObjectIsHeldWhateverElseItSays) {
  GateInput in = request_input();
  in.paused = GateInput::Paused::kItself;
  EXPECT_EQ(gate(object({{"kratix.io/manual-reconciliation", "true"}}), in).kind, Kind::kPaused);
}

TEST(Gate, PausedPromiseStatusAndEventAreKratixs) {
  GateInput in = promise_input();
  in.paused = GateInput::Paused::kItself;
  const Gate g = gate(object(), in);
  Json status = Json::object();
  apply_gate_status(status, g, in, 3);
  EXPECT_EQ(status["status"], "Unavailable");
  EXPECT_EQ(condition(status, "Available")["reason"], "PausedReconciliation");
  EXPECT_EQ(condition(status, "Available")["message"], "Paused");
  EXPECT_EQ(condition(status, "Available")["status"], "False");
  EXPECT_EQ(condition(status, "Reconciled")["status"], "Unknown");
  EXPECT_EQ(condition(status, "Reconciled")["reason"], "PausedReconciliation");
  EXPECT_EQ(condition(status, "Reconciled")["message"], "Paused");
  EXPECT_EQ(condition(status, "Reconciled")["observedGeneration"], 3);
  EXPECT_EQ(gate_event(g, in).reason, "PausedReconciliation");
  EXPECT_EQ(gate_event(g, in).message, "'kratix.io/paused' label set to 'true' for promise; pausing reconciliation");
  EXPECT_TRUE(gate_labels(g, in).is_null());
}

TEST(Gate, APausedRequestSaysWhoPausedIt) {
  GateInput in = request_input();
  in.paused = GateInput::Paused::kItself;
  EXPECT_EQ(gate_event(gate(object(), in), in).message,
            "'kratix.io/paused' label set to 'true' for this resource request; pausing reconciliation");
  in.paused = GateInput::Paused::kByPromise;
  EXPECT_EQ(gate_event(gate(object(), in), in).message,
            "'kratix.io/paused' label set to 'true' for promise; pausing reconciliation for this resource request");
  Json status = Json::object();
  apply_gate_status(status, gate(object(), in), in, 1);
  EXPECT_FALSE(status.contains("status")) << "a request has no status.status to make Unavailable";
  EXPECT_EQ(condition(status, "Reconciled")["message"], "Paused");
}

TEST(Gate, UnpausingRunsFromTheStartAndSaysUnpaused) {
  const Json paused = {{"conditions", Json::array({{{"type", "Reconciled"}, {"status", "Unknown"},
                                                    {"reason", "PausedReconciliation"}, {"message", "Paused"}}})}};
  const Gate g = gate(object(kSuspendedLabel, paused), request_input());
  ASSERT_EQ(g.kind, Kind::kUnpaused);
  EXPECT_EQ(gate_labels(g, request_input()),
            Json({{"internal.workflows.kratix.io/run-from-start", "true"}, {"kratix.io/workflow-suspended", nullptr}}));
  EXPECT_EQ(gate_labels(g, promise_input())["kratix.io/reconcile-resources"], "true")
      << "an unpaused Promise re-runs its requests' workflows too";
  Json status = paused;
  apply_gate_status(status, g, request_input(), 1);
  EXPECT_EQ(condition(status, "Reconciled")["reason"], "Unpaused");
  EXPECT_EQ(condition(status, "Reconciled")["message"], "Pending");
  EXPECT_EQ(condition(status, "Reconciled")["status"], "Unknown");
}

// --- the periodic re-run ------------------------------------------------------------------------------

TEST(Gate, ASucceededWorkflowIsRerunOnceTheIntervalHasPassed) {
  EXPECT_EQ(gate(object({}, completed("True", "PipelinesExecutedSuccessfully", 9min)), request_input()).kind, Kind::kProceed);
  const Gate due = gate(object({}, completed("True", "PipelinesExecutedSuccessfully", 11min)), request_input());
  ASSERT_EQ(due.kind, Kind::kRerunDue);
  EXPECT_EQ(gate_labels(due, request_input()), Json({{"kratix.io/manual-reconciliation", "true"}}));
}

TEST(Gate, TheTimeUntilTheRerunIsTheIntervalLessTheTimeSinceCompletion) {
  const auto due = until_rerun(object({}, completed("True", "PipelinesExecutedSuccessfully", 4min)), request_input());
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, 6min);
  EXPECT_EQ(gate(object({}, completed("True", "PipelinesExecutedSuccessfully", 4min)), request_input()).wait, 6min);
}

TEST(Gate, AFailedWorkflowIsRetriedOnTheIntervalUnlessReconcileAfterFailureIsOff) {
  const Json failed = object({}, completed("False", "ConfigureWorkflowFailed", 11min));
  EXPECT_EQ(gate(failed, request_input()).kind, Kind::kRerunDue);
  GateInput off = request_input();
  off.reconcile_after_failure = false;
  EXPECT_EQ(gate(failed, off).kind, Kind::kProceed);
  EXPECT_FALSE(until_rerun(failed, off).has_value());
}

TEST(Gate, AFailureIsRetriedAnIntervalAfterItFailedNotAfterTheRunStarted) {
  // ConfigureWorkflowCompleted went False when the run began, 11 minutes ago; its pipeline failed 2 minutes ago.
  Json status = completed("False", "ConfigureWorkflowFailed", 11min);
  status["kratix"]["workflows"]["pipelines"] =
      Json::array({{{"name", "a"}, {"phase", "Failed"}, {"lastTransitionTime", at(-2min)}}});
  const Json failed = object({}, status);
  EXPECT_EQ(gate(failed, request_input()).kind, Kind::kProceed);
  EXPECT_EQ(until_rerun(failed, request_input()), 8min);
}

TEST(Gate, ARunningWorkflowIsNeverRerunByTheInterval) {
  const Json running = object({}, completed("False", "PipelinesInProgress", 11h));
  EXPECT_EQ(gate(running, request_input()).kind, Kind::kProceed);
  EXPECT_FALSE(until_rerun(running, request_input()).has_value());
}

TEST(Gate, NoRerunIsAskedForWhileOneIsAlreadyAsked) {
  const Json status = completed("True", "PipelinesExecutedSuccessfully", 11min);
  EXPECT_EQ(gate(object({{"kratix.io/manual-reconciliation", "true"}}, status), request_input()).kind, Kind::kProceed);
  EXPECT_EQ(gate(object({{"internal.workflows.kratix.io/run-from-start", "true"}}, status), request_input()).kind,
            Kind::kProceed);
}

TEST(Gate, TheIntervalIsThePromisesOwnWhenItParses) {
  const Json promise = {{"spec", {{"workflows", {{"config", {{"reconciliationInterval", "90s"}}}}}}}};
  EXPECT_EQ(reconciliation_interval(promise, 10h), 90s);
  const Json bad = {{"spec", {{"workflows", {{"config", {{"reconciliationInterval", "soon"}}}}}}}};
  EXPECT_EQ(reconciliation_interval(bad, 10h), 10h);
  EXPECT_EQ(reconciliation_interval(Json::object(), 10h), 10h);
  const Json too_short = {{"spec", {{"workflows", {{"config", {{"reconciliationInterval", "30s"}}}}}}}};
  EXPECT_EQ(reconciliation_interval(too_short, 10h), 10h) << "under a minute is ignored, as the webhook refuses it";
}

TEST(Gate, ARevisionsAnnotationComesFirstThenItsSpecThenTheConfig) {
  const Json promise = {{"spec", {{"workflows", {{"config", {{"reconciliationInterval", "90s"}}}}}}}};
  Json revision = Json::object();
  revision["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "5m";
  revision["spec"]["promiseSpec"]["workflows"]["config"]["reconciliationInterval"] = "2m";
  EXPECT_EQ(reconciliation_interval(promise, 10h, &revision), 5min);
  revision["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "10s";
  EXPECT_EQ(reconciliation_interval(promise, 10h, &revision), 2min) << "an annotation under a minute is ignored";
  revision["spec"]["promiseSpec"] = Json::object();
  EXPECT_EQ(reconciliation_interval(promise, 10h, &revision), 10h) << "with a revision, the live Promise's spec is not read";
}

// --- workflow-control.yaml: suspend and retryAfter -----------------------------------------------------

TEST(Gate, ASuspendedWorkflowIsHeldWithKratixsStatusAndWarning) {
  const Json o = object(kSuspendedLabel, suspended_status({{"phase", "Suspended"}, {"message", "waiting for approval"}}));
  const Gate g = gate(o, promise_input());
  ASSERT_EQ(g.kind, Kind::kSuspended);
  EXPECT_FALSE(g.wait.has_value()) << "a plain suspend waits for the label to go";
  Json status = o["status"];
  apply_gate_status(status, g, promise_input(), 1);
  EXPECT_EQ(condition(status, "Reconciled")["status"], "Unknown");
  EXPECT_EQ(condition(status, "Reconciled")["reason"], "WorkflowSuspended");
  EXPECT_EQ(condition(status, "Reconciled")["message"], "Suspended");
  EXPECT_EQ(condition(status, "Available")["status"], "False");
  EXPECT_EQ(condition(status, "Available")["reason"], "WorkflowSuspended");
  EXPECT_EQ(status["status"], "Unavailable");
  EXPECT_EQ(gate_event(g, promise_input()).reason, "WorkflowSuspended");
  EXPECT_EQ(gate_event(g, promise_input()).message,
            "'kratix.io/workflow-suspended' label set to 'true' for promise; skipping reconciliation");
  EXPECT_EQ(gate_event(g, request_input()).message,
            "'kratix.io/workflow-suspended' label set to 'true' for resource request; skipping reconciliation");
}

TEST(Gate, ARetryIsHeldUntilNextRetryAtThenTheLabelGoes) {
  const Json later = object(kSuspendedLabel, suspended_status({{"phase", "Suspended"}, {"nextRetryAt", at(8s)}, {"attempts", 1}}));
  const Gate g = gate(later, request_input());
  ASSERT_EQ(g.kind, Kind::kSuspended);
  EXPECT_EQ(g.wait, 8s);
  const Json due = object(kSuspendedLabel, suspended_status({{"phase", "Suspended"}, {"nextRetryAt", at(-1s)}, {"attempts", 1}}));
  const Gate now = gate(due, request_input());
  ASSERT_EQ(now.kind, Kind::kRetryNow);
  EXPECT_EQ(gate_labels(now, request_input()), Json({{"kratix.io/workflow-suspended", nullptr}}));
}

TEST(Gate, WithTheLabelGoneTheSuspendedPipelineResumes) {
  const Json o = object({}, suspended_status({{"phase", "Suspended"}, {"nextRetryAt", at(-1s)}, {"attempts", 1}}));
  const Gate g = gate(o, request_input());
  EXPECT_EQ(g.kind, Kind::kProceed);
  EXPECT_EQ(g.resume_at, 1u);
  EXPECT_EQ(suspended_pipeline(o), 1u);
}

TEST(Gate, AManualRerunOrASpecChangeEndsASuspensionFromTheStart) {
  Json labels = kSuspendedLabel;
  labels["kratix.io/manual-reconciliation"] = "true";
  const Json status = suspended_status({{"phase", "Suspended"}, {"message", "waiting"}}, 2);
  const Gate manual = gate(object(labels, status, 2), request_input());
  ASSERT_EQ(manual.kind, Kind::kRestart);
  EXPECT_EQ(gate_labels(manual, request_input()),
            Json({{"internal.workflows.kratix.io/run-from-start", "true"}, {"kratix.io/workflow-suspended", nullptr}}));
  EXPECT_EQ(gate(object(kSuspendedLabel, status, 3), request_input()).kind, Kind::kRestart) << "generation 3 > 2";
  EXPECT_EQ(gate(object(kSuspendedLabel, status, 2), request_input()).kind, Kind::kSuspended);

  Json reset = status;
  apply_gate_status(reset, manual, request_input(), 2);
  EXPECT_FALSE(reset["kratix"]["workflows"].contains("suspendedGeneration"));
  for (const auto& p : reset["kratix"]["workflows"]["pipelines"]) {
    EXPECT_EQ(p["phase"], "Pending");
    EXPECT_FALSE(p.contains("message"));
  }
}

TEST(Gate, ASpecChangedSinceTheSuspensionDoesNotResumeTheOldPipeline) {
  const Json o = object({}, suspended_status({{"phase", "Suspended"}}, 2), 3);
  const Gate g = gate(o, request_input());
  EXPECT_EQ(g.kind, Kind::kProceed);
  EXPECT_FALSE(g.resume_at.has_value()) << "the new spec's hash starts the first pipeline";
}

TEST(Gate, ALabelAheadOfItsStatusHoldsUntilTheStatusComes) {
  // The status-writer labels first and writes the status second; a cache may show the first alone.
  EXPECT_EQ(gate(object(kSuspendedLabel), promise_input()).kind, Kind::kSuspended);
  EXPECT_EQ(gate(object(kSuspendedLabel), request_input()).kind, Kind::kSuspended);
  Json started = Json::object();
  started["kratix"]["workflows"]["delete"]["pipelines"] = Json::array({{{"name", "cleanup"}, {"phase", "Running"}}});
  EXPECT_EQ(gate(object(kSuspendedLabel, started), delete_input()).kind, Kind::kSuspended)
      << "a running delete pipeline's hold may be on its way too";
}

// --- moving on only with the current object ----------------------------------------------------------

TEST(MovesWorkflowOn, StartsAndFirstCompletionsNeedTheCurrentObject) {
  using D = workflow::Decision;
  EXPECT_TRUE(moves_workflow_on({.kind = D::Kind::kStart}, object()));
  EXPECT_FALSE(moves_workflow_on({.kind = D::Kind::kWait}, object()));
  EXPECT_FALSE(moves_workflow_on({.kind = D::Kind::kFailed}, object()));
  EXPECT_TRUE(moves_workflow_on({.kind = D::Kind::kCompleted}, object()));
  EXPECT_FALSE(moves_workflow_on({.kind = D::Kind::kCompleted},
                                 object({}, completed("True", "PipelinesExecutedSuccessfully", 1s))));
}

// --- delete workflows ------------------------------------------------------------------------------------

GateInput delete_input() {
  GateInput in = request_input();
  in.action = GateInput::Action::kDelete;
  return in;
}

Json delete_status(Json entry, int64_t suspended_generation = 1) {
  entry["name"] = "cleanup";
  return {{"kratix", {{"workflows", {{"delete", {{"suspendedGeneration", suspended_generation},
                                                  {"pipelines", Json::array({entry})}}}}}}}};
}

TEST(DeleteGate, AHeldDeletePipelineSaysDeleteWorkflowSuspended) {
  const Json o = object(kSuspendedLabel, delete_status({{"phase", "Suspended"}, {"message", "waiting for delete approval"}}));
  const Gate g = gate(o, delete_input());
  ASSERT_EQ(g.kind, Kind::kSuspended);
  Json status = o["status"];
  apply_gate_status(status, g, delete_input(), 1);
  EXPECT_EQ(condition(status, "DeleteWorkflowCompleted")["status"], "False");
  EXPECT_EQ(condition(status, "DeleteWorkflowCompleted")["reason"], "DeleteWorkflowSuspended");
  EXPECT_EQ(condition(status, "DeleteWorkflowCompleted")["message"], "The delete workflow is suspended");
  EXPECT_EQ(condition(status, "Reconciled")["reason"], "WorkflowSuspended");
}

TEST(DeleteGate, TheConfigureWorkflowsRecordDoesNotHoldADeletion) {
  // Suspended while configuring, then deleted: the delete pipeline has nothing held, so the label goes.
  const Json o = object(kSuspendedLabel, suspended_status({{"phase", "Suspended"}}));
  const Gate g = gate(o, delete_input());
  ASSERT_EQ(g.kind, Kind::kRetryNow);
  EXPECT_EQ(gate_labels(g, delete_input()), Json({{"kratix.io/workflow-suspended", nullptr}}));
}

TEST(DeleteGate, ARetryIsDueAtNextRetryAtAndThenResumesTheDeletePipeline) {
  const Json waiting = object(kSuspendedLabel, delete_status({{"phase", "Suspended"}, {"nextRetryAt", at(5s)}, {"attempts", 2}}));
  EXPECT_EQ(gate(waiting, delete_input()).wait, 5s);
  const Json due = object(kSuspendedLabel, delete_status({{"phase", "Suspended"}, {"nextRetryAt", at(-5s)}, {"attempts", 2}}));
  EXPECT_EQ(gate(due, delete_input()).kind, Kind::kRetryNow);
  const Json lifted = object({}, delete_status({{"phase", "Suspended"}, {"nextRetryAt", at(-5s)}, {"attempts", 2}}));
  const Gate g = gate(lifted, delete_input());
  EXPECT_EQ(g.kind, Kind::kProceed);
  EXPECT_EQ(g.resume_at, 0u);
}

TEST(DeleteGate, AManualRerunOfAHeldDeleteKeepsItsLabelForTheRerun) {
  Json labels = kSuspendedLabel;
  labels["kratix.io/manual-reconciliation"] = "true";
  const Json o = object(labels, delete_status({{"phase", "Suspended"}}));
  const Gate g = gate(o, delete_input());
  ASSERT_EQ(g.kind, Kind::kRestart);
  EXPECT_EQ(gate_labels(g, delete_input()), Json({{"kratix.io/workflow-suspended", nullptr}}));
  Json status = o["status"];
  apply_gate_status(status, g, delete_input(), 1);
  EXPECT_EQ(status["kratix"]["workflows"]["delete"]["pipelines"][0]["phase"], "Pending");
  EXPECT_FALSE(status["kratix"]["workflows"]["delete"].contains("suspendedGeneration"));
}

TEST(DeleteGate, NoPeriodicRerunOrUnpauseInADeletion) {
  Json status = completed("True", "PipelinesExecutedSuccessfully", 11h);
  EXPECT_EQ(gate(object({}, status), delete_input()).kind, Kind::kProceed);
}

// --- merge patches -----------------------------------------------------------------------------------

TEST(MergePatchBetween, ChangesAdditionsAndRemovalsNested) {
  const Json from = {{"a", 1}, {"gone", true}, {"nested", {{"keep", 1}, {"drop", 2}, {"change", "x"}}}, {"list", {1, 2}}};
  const Json to = {{"a", 1}, {"new", "n"}, {"nested", {{"keep", 1}, {"change", "y"}}}, {"list", {1}}};
  const Json patch = kube::merge_patch_between(from, to);
  EXPECT_EQ(patch, Json({{"gone", nullptr}, {"new", "n"}, {"nested", {{"drop", nullptr}, {"change", "y"}}}, {"list", {1}}}));
  Json applied = from;
  applied.merge_patch(patch);
  EXPECT_EQ(applied, to);
  EXPECT_TRUE(kube::merge_patch_between(to, to).empty());
}

}  // namespace
}  // namespace pave::platform
