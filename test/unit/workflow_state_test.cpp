// The serial pipeline state machine (kratix-spec.md 2.5), after Kratix's lib/workflow/reconciler_test.go:
// first and second reconciles, in-flight Jobs, the manual label suspending a running Job, failures and a
// later success, a spec update while a Job runs, run-from-start, same-second creation timestamps, and Job
// pruning (numberOfJobsToKeep) including pipelines that keep failing.
#include "workflow/workflow_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace pave::workflow {
namespace {

using kube::Json;
using Kind = Decision::Kind;
using Phase = JobView::Phase;

const std::vector<std::string> kPipelines = {"pipeline-1", "pipeline-2"};
const std::string kHash = "5f1e6b0c9d";
const std::string kOldHash = "0a9b8c7d6e";

// A second of the test's clock, as metav1.Time.
std::string at(int second) {
  std::string s = std::to_string(second);
  if (s.size() < 2) s = "0" + s;
  return "2026-03-01T10:00:" + s + "Z";
}

JobView job(std::string name, std::string pipeline, Phase phase, int second, std::string hash = kHash) {
  return {.name = std::move(name), .pipeline = std::move(pipeline), .hash = std::move(hash), .created = at(second),
          .phase = phase};
}

Decision run(const std::vector<JobView>& jobs, Rerun rerun = Rerun::kNone) {
  return decide(kPipelines, kHash, jobs, {.rerun = rerun});
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A Job as the API server returns it.
Json job_object(Json status = Json::object(), Json spec = Json::object()) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", "kratix-redis-promise-configure-a1b2c"},
            {"namespace", "kratix-platform-system"},
            {"creationTimestamp", "2026-03-01T10:00:07Z"},
            {"labels",
             {{"kratix.io/pipeline-name", "pipeline-2"},
              {"kratix.io/hash", kHash},
              {"kratix.io/promise-name", "redis"},
              {"kratix.io/workflow-type", "promise"},
              {"kratix.io/workflow-action", "configure"}}}}},
          {"spec", spec},
          {"status", status}};
}

Json conditions(std::initializer_list<std::pair<const char*, const char*>> list) {
  Json out = Json::array();
  for (const auto& [type, status] : list) out.push_back({{"type", type}, {"status", status}});
  return {{"conditions", out}};
}

// --- job_view ------------------------------------------------------------------------------------------

TEST(JobView, ReadsNamePipelineHashAndCreationTime) {
  const JobView v = job_view(job_object());
  EXPECT_EQ(v.name, "kratix-redis-promise-configure-a1b2c");
  EXPECT_EQ(v.pipeline, "pipeline-2");
  EXPECT_EQ(v.hash, kHash);
  EXPECT_EQ(v.created, "2026-03-01T10:00:07Z");
}

TEST(JobView, AJobWithoutTerminalConditionIsRunning) {
  EXPECT_EQ(job_view(job_object()).phase, Phase::kRunning);
  EXPECT_EQ(job_view(job_object({{"active", 1}})).phase, Phase::kRunning);
  // Conditions that are not True do not end it.
  EXPECT_EQ(job_view(job_object(conditions({{"Complete", "False"}, {"Failed", "False"}}))).phase, Phase::kRunning);
}

TEST(JobView, CompleteTrueIsSucceeded) {
  EXPECT_EQ(job_view(job_object(conditions({{"Complete", "True"}}))).phase, Phase::kSucceeded);
}

TEST(JobView, FailedTrueIsFailed) {
  EXPECT_EQ(job_view(job_object(conditions({{"Failed", "True"}}))).phase, Phase::kFailed);
}

TEST(JobView, ASuspendedJobIsFailed) {
  // Kratix: Job condition Failed, or Suspended, fails the workflow at that pipeline.
  EXPECT_EQ(job_view(job_object(conditions({{"Suspended", "True"}}), {{"suspend", true}})).phase, Phase::kFailed);
  // Suspended by the controller, before the Job controller has reported it.
  EXPECT_EQ(job_view(job_object(Json::object(), {{"suspend", true}})).phase, Phase::kFailed);
  EXPECT_EQ(job_view(job_object(Json::object(), {{"suspend", false}})).phase, Phase::kRunning);
  EXPECT_TRUE(job_view(job_object(Json::object(), {{"suspend", true}})).suspended);
  EXPECT_FALSE(job_view(job_object(conditions({{"Failed", "True"}}), {{"suspend", false}})).suspended);
}

TEST(JobView, MissingFieldsReadAsEmpty) {
  const JobView v = job_view(Json::object());
  EXPECT_EQ(v.name, "");
  EXPECT_EQ(v.pipeline, "");
  EXPECT_EQ(v.hash, "");
  EXPECT_EQ(v.created, "");
  EXPECT_EQ(v.phase, Phase::kRunning);
}

// --- decide: a workflow run from the first reconcile to completion ---------------------------------------

TEST(Decide, FirstReconcileStartsTheFirstPipeline) {
  const Decision d = run({});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.suspend, "");
}

TEST(Decide, SecondReconcileWaitsForTheJobInFlight) {
  const Decision d = run({job("job-1", "pipeline-1", Phase::kRunning, 1)});
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.job, "job-1");
  EXPECT_EQ(d.suspend, "") << "an in-flight Job of the current spec is never suspended without a manual re-run";
}

TEST(Decide, TriggersOnePipelineAfterTheOtherUntilAllComplete) {
  std::vector<JobView> jobs;
  Decision d = run(jobs);
  ASSERT_EQ(d.kind, Kind::kStart);
  ASSERT_EQ(d.pipeline, 0u);

  jobs.push_back(job("job-1", "pipeline-1", Phase::kRunning, 1));
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kWait) << "no new Job while the previous one is not completed";

  jobs.back().phase = Phase::kSucceeded;
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 1u);

  jobs.push_back(job("job-2", "pipeline-2", Phase::kRunning, 5));
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 1u);
  EXPECT_EQ(d.job, "job-2");

  jobs.back().phase = Phase::kSucceeded;
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kCompleted);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 2u);
  EXPECT_EQ(d.job, "job-2");

  // Not triggering more Jobs once all pipelines are completed.
  EXPECT_EQ(run(jobs).kind, Kind::kCompleted);
}

TEST(Decide, ASinglePipelineWorkflowCompletesWithItsJob) {
  const Decision d = decide({"only"}, kHash, {job("job-1", "only", Phase::kSucceeded, 1)});
  EXPECT_EQ(d.kind, Kind::kCompleted);
  EXPECT_EQ(d.succeeded, 1u);
}

TEST(Decide, TheOrderJobsAreListedInDoesNotMatter) {
  std::vector<JobView> jobs = {job("job-2", "pipeline-2", Phase::kRunning, 9),
                               job("job-0", "pipeline-1", Phase::kSucceeded, 1, kOldHash),
                               job("job-1", "pipeline-1", Phase::kSucceeded, 5)};
  for (int i = 0; i < 3; ++i) {
    std::rotate(jobs.begin(), jobs.begin() + 1, jobs.end());
    const Decision d = run(jobs);
    EXPECT_EQ(d.kind, Kind::kWait);
    EXPECT_EQ(d.pipeline, 1u);
    EXPECT_EQ(d.job, "job-2");
  }
}

// --- failures -------------------------------------------------------------------------------------------

TEST(Decide, AFailedJobFailsTheWorkflowAtItsPipeline) {
  Decision d = run({job("job-1", "pipeline-1", Phase::kFailed, 1)});
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.job, "job-1");

  // No later pipeline runs.
  d = run({job("job-1", "pipeline-1", Phase::kSucceeded, 1), job("job-2", "pipeline-2", Phase::kFailed, 5)});
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 1u);
  EXPECT_EQ(d.job, "job-2");
}

TEST(Decide, AFailedWorkflowStartsNoNewJobOnLaterReconciles) {
  const std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kFailed, 1)};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(jobs).kind, Kind::kFailed);
}

TEST(Decide, ASuspendedJobFailsTheWorkflow) {
  const Decision d = run({job_view(job_object(conditions({{"Suspended", "True"}}), {{"suspend", true}}))});
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.pipeline, 1u);
}

TEST(Decide, AManualReRunAfterAFailureStartsFromTheFirstPipelineAndThenSucceeds) {
  std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kFailed, 1)};
  Decision d = run(jobs, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.suspend, "") << "a failed Job is not running: nothing to suspend";

  // The label is gone once the new Job exists; the new Job, not the failed one, now decides.
  jobs.push_back(job("job-2", "pipeline-1", Phase::kRunning, 20));
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.job, "job-2");

  jobs.back().phase = Phase::kSucceeded;
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 1u);

  jobs.push_back(job("job-3", "pipeline-2", Phase::kSucceeded, 30));
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kCompleted);
  EXPECT_EQ(d.succeeded, 2u);
}

// --- manual re-runs and run-from-start ------------------------------------------------------------------

TEST(Decide, TheManualLabelSuspendsTheRunningJobAndRestartsAtTheFirstPipeline) {
  const std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1),
                                     job("job-2", "pipeline-2", Phase::kRunning, 5)};
  const Decision d = run(jobs, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.suspend, "job-2");
}

TEST(Decide, TheManualLabelSuspendsARunningFirstPipelineToo) {
  const Decision d = run({job("job-1", "pipeline-1", Phase::kRunning, 1)}, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.suspend, "job-1");
}

TEST(Decide, AManualReRunOfACompletedWorkflowRerunsEveryPipeline) {
  std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1),
                               job("job-2", "pipeline-2", Phase::kSucceeded, 5)};
  Decision d = run(jobs, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_EQ(d.suspend, "");

  jobs.push_back(job("job-3", "pipeline-1", Phase::kSucceeded, 20));
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 1u) << "the re-run goes on to the second pipeline, not straight to completion";

  jobs.push_back(job("job-4", "pipeline-2", Phase::kSucceeded, 30));
  EXPECT_EQ(run(jobs).kind, Kind::kCompleted);
}

TEST(Decide, RunFromStartWithNoJobsStartsTheFirstPipeline) {
  const Decision d = run({}, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.suspend, "");
}

TEST(Decide, AfterASuspendingReRunTheNewJobDecides) {
  // The re-run suspended job-2 and started job-3; the suspended Job is history.
  const std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1),
                                     job("job-2", "pipeline-2", Phase::kFailed, 5),
                                     job("job-3", "pipeline-1", Phase::kRunning, 12)};
  const Decision d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.job, "job-3");
}

TEST(Decide, RunFromStartAlsoRestartsAWorkflowOfAnOlderSpec) {
  const Decision d = run({job("job-1", "pipeline-1", Phase::kRunning, 1, kOldHash)}, Rerun::kManual);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.suspend, "job-1");
}

TEST(Decide, ARunFromStartWaitsForARunningJobInsteadOfSuspendingIt) {
  std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1),
                               job("job-2", "pipeline-2", Phase::kRunning, 5)};
  Decision d = run(jobs, Rerun::kFromStart);
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.job, "job-2");
  EXPECT_EQ(d.suspend, "");

  jobs.back().phase = Phase::kSucceeded;
  d = run(jobs, Rerun::kFromStart);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_TRUE(d.restart);
}

// --- resuming a workflow a pipeline suspended (workflow-control.yaml) ---------------------------------

TEST(Decide, ResumingRunsTheSuspendedPipelineAgainNotTheNextOne) {
  // pipeline-1 succeeded as a Job but asked to hold; its hold is lifted.
  const std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1)};
  ASSERT_EQ(run(jobs).pipeline, 1u) << "without the hold the next pipeline would start";
  const Decision d = decide(kPipelines, kHash, jobs, {.resume_at = 0});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
  EXPECT_TRUE(d.resume);
  EXPECT_FALSE(d.restart);
}

TEST(Decide, ResumingTheLastPipelineRunsItAgainInsteadOfCompleting) {
  const std::vector<JobView> jobs = {job("job-1", "pipeline-1", Phase::kSucceeded, 1),
                                     job("job-2", "pipeline-2", Phase::kSucceeded, 5)};
  const Decision d = decide(kPipelines, kHash, jobs, {.resume_at = 1});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_EQ(d.succeeded, 1u);
}

TEST(Decide, ResumingWaitsForARunningJob) {
  const Decision d = decide(kPipelines, kHash, {job("job-1", "pipeline-1", Phase::kRunning, 1)}, {.resume_at = 1});
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.job, "job-1");
  EXPECT_TRUE(d.resume) << "so the held pipeline's status is left as it is while waiting";
}

TEST(Decide, AReRunWinsOverResuming) {
  const Decision d = decide(kPipelines, kHash, {job("job-1", "pipeline-1", Phase::kSucceeded, 1)},
                            {.rerun = Rerun::kManual, .resume_at = 1});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_TRUE(d.restart);
}

TEST(Decide, AResumeAtAPipelineTheWorkflowNoLongerHasIsIgnored) {
  const Decision d = decide(kPipelines, kHash, {job("job-1", "pipeline-1", Phase::kSucceeded, 1)}, {.resume_at = 7});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 1u);
  EXPECT_FALSE(d.resume);
}

// --- spec updates ----------------------------------------------------------------------------------------

TEST(Decide, ASpecUpdateStartsTheFirstPipelineAtTheNewSpec) {
  const Decision d = run({job("job-1", "pipeline-1", Phase::kSucceeded, 1, kOldHash),
                          job("job-2", "pipeline-2", Phase::kSucceeded, 5, kOldHash)});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);
}

TEST(Decide, ASpecUpdateWhileAJobRunsWaitsForItThenRestartsAtTheNewSpec) {
  std::vector<JobView> jobs = {job("old-1", "pipeline-1", Phase::kRunning, 1, kOldHash)};
  Decision d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kWait) << "no new Job while the outdated one runs";
  EXPECT_EQ(d.job, "old-1");
  EXPECT_EQ(d.pipeline, 0u);
  EXPECT_EQ(d.succeeded, 0u);

  jobs.back().phase = Phase::kSucceeded;
  d = run(jobs);
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u) << "the first pipeline at the new spec, never the outdated workflow's next one";
}

TEST(Decide, ASpecUpdateAfterAFailureRunsAgainFromTheStart) {
  const Decision d = run({job("old-1", "pipeline-1", Phase::kFailed, 1, kOldHash)});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
}

TEST(Decide, ReturningToAnEarlierSpecRerunsAllPipelines) {
  // The current spec ran to completion once, then another spec did; now the spec is back.
  const Decision d = run({job("a-1", "pipeline-1", Phase::kSucceeded, 1), job("a-2", "pipeline-2", Phase::kSucceeded, 5),
                          job("b-1", "pipeline-1", Phase::kSucceeded, 10, kOldHash),
                          job("b-2", "pipeline-2", Phase::kSucceeded, 15, kOldHash)});
  EXPECT_EQ(d.kind, Kind::kStart);
  EXPECT_EQ(d.pipeline, 0u);
}

TEST(Decide, ANewestJobOfAPipelineNoLongerInTheWorkflowRestartsIt) {
  EXPECT_EQ(run({job("job-1", "renamed-away", Phase::kSucceeded, 1)}).kind, Kind::kStart);
  const Decision d = run({job("job-1", "renamed-away", Phase::kRunning, 1)});
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.job, "job-1");
}

// --- same-second creation timestamps --------------------------------------------------------------------

TEST(Decide, WithinASecondALaterPipelinesJobIsNewer) {
  // pipeline-2's Job was made in the second pipeline-1's finished: whichever order the list has.
  const JobView first = job("job-1", "pipeline-1", Phase::kSucceeded, 3);
  const JobView second = job("job-2", "pipeline-2", Phase::kRunning, 3);
  for (const auto& jobs : {std::vector<JobView>{first, second}, std::vector<JobView>{second, first}}) {
    const Decision d = run(jobs);
    EXPECT_EQ(d.kind, Kind::kWait);
    EXPECT_EQ(d.pipeline, 1u);
    EXPECT_EQ(d.job, "job-2");
  }
  JobView done = second;
  done.phase = Phase::kSucceeded;
  for (const auto& jobs : {std::vector<JobView>{first, done}, std::vector<JobView>{done, first}}) {
    EXPECT_EQ(run(jobs).kind, Kind::kCompleted);
  }
}

TEST(Decide, WithinASecondAJobOfTheCurrentSpecIsNewerThanOneOfAnother) {
  const JobView outdated = job("old-2", "pipeline-2", Phase::kSucceeded, 4, kOldHash);
  const JobView current = job("new-1", "pipeline-1", Phase::kRunning, 4);
  for (const auto& jobs : {std::vector<JobView>{outdated, current}, std::vector<JobView>{current, outdated}}) {
    const Decision d = run(jobs);
    EXPECT_EQ(d.kind, Kind::kWait) << "the current spec's first pipeline is never started twice";
    EXPECT_EQ(d.pipeline, 0u);
    EXPECT_EQ(d.job, "new-1");
  }
  JobView done = current;
  done.phase = Phase::kSucceeded;
  for (const auto& jobs : {std::vector<JobView>{outdated, done}, std::vector<JobView>{done, outdated}}) {
    const Decision d = run(jobs);
    EXPECT_EQ(d.kind, Kind::kStart);
    EXPECT_EQ(d.pipeline, 1u);
  }
}

TEST(Decide, WithinASecondTheJobARerunSuspendedIsOlderThanTheOneItMade) {
  // A manual re-run suspends the running Job and starts another, often in the same second.
  JobView suspended = job("first", "pipeline-1", Phase::kFailed, 6);
  suspended.suspended = true;
  const JobView rerun = job("second", "pipeline-1", Phase::kSucceeded, 6);
  for (const auto& jobs : {std::vector<JobView>{suspended, rerun}, std::vector<JobView>{rerun, suspended}}) {
    const Decision d = run(jobs);
    EXPECT_EQ(d.kind, Kind::kStart) << "the re-run's Job succeeded: the workflow goes on";
    EXPECT_EQ(d.pipeline, 1u);
  }
}

TEST(Decide, AnEarlierSecondIsOlderWhateverThePipeline) {
  // Timestamps decide before any tie-break: pipeline-1's re-run at :09 is newer than pipeline-2 at :08.
  const Decision d = run({job("job-2", "pipeline-2", Phase::kSucceeded, 8), job("job-3", "pipeline-1", Phase::kRunning, 9)});
  EXPECT_EQ(d.kind, Kind::kWait);
  EXPECT_EQ(d.job, "job-3");
}

// --- pruning --------------------------------------------------------------------------------------------

TEST(JobsToPrune, KeepsTheNewestJobsOfEachPipeline) {
  std::vector<JobView> jobs;
  for (int i = 0; i < 7; ++i) jobs.push_back(job("p1-" + std::to_string(i), "pipeline-1", Phase::kSucceeded, 10 + i));
  for (int i = 0; i < 3; ++i) jobs.push_back(job("p2-" + std::to_string(i), "pipeline-2", Phase::kSucceeded, 30 + i));
  std::rotate(jobs.begin(), jobs.begin() + 4, jobs.end());  // any listing order
  EXPECT_EQ(sorted(jobs_to_prune(jobs, 5)), (std::vector<std::string>{"p1-0", "p1-1"}));
  EXPECT_EQ(sorted(jobs_to_prune(jobs, 2)), (std::vector<std::string>{"p1-0", "p1-1", "p1-2", "p1-3", "p1-4", "p2-0"}));
}

TEST(JobsToPrune, NothingToPruneAtOrUnderTheLimit) {
  EXPECT_TRUE(jobs_to_prune({}, 5).empty());
  std::vector<JobView> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(job("p1-" + std::to_string(i), "pipeline-1", Phase::kSucceeded, i));
  EXPECT_TRUE(jobs_to_prune(jobs, 5).empty());
}

TEST(JobsToPrune, CountsJobsOfEverySpecPerPipeline) {
  // Like Kratix, a pipeline's Jobs are selected by its name, whatever hash they ran at.
  std::vector<JobView> jobs;
  for (int i = 0; i < 8; ++i) {
    jobs.push_back(job("p1-" + std::to_string(i), "pipeline-1", Phase::kSucceeded, 10 + i, i % 2 ? kHash : kOldHash));
  }
  EXPECT_EQ(sorted(jobs_to_prune(jobs, 7)), (std::vector<std::string>{"p1-0"}));
}

TEST(JobsToPrune, PrunesAContinuallyFailingPipelinesJobs) {
  // Every re-run of pipeline-1 failed: its failed Jobs pile up and are pruned like any other.
  std::vector<JobView> jobs;
  for (int i = 0; i < 9; ++i) jobs.push_back(job("fail-" + std::to_string(i), "pipeline-1", Phase::kFailed, 10 + i));
  EXPECT_EQ(sorted(jobs_to_prune(jobs, 5)), (std::vector<std::string>{"fail-0", "fail-1", "fail-2", "fail-3"}));
  // Mixed with successes, the newest are kept whatever their outcome.
  jobs.push_back(job("ok-0", "pipeline-1", Phase::kSucceeded, 40));
  EXPECT_EQ(sorted(jobs_to_prune(jobs, 5)), (std::vector<std::string>{"fail-0", "fail-1", "fail-2", "fail-3", "fail-4"}));
}

TEST(JobsToPrune, NeverPrunesARunningJob) {
  const std::vector<JobView> jobs = {job("old", "pipeline-1", Phase::kRunning, 1),
                                     job("mid", "pipeline-1", Phase::kSucceeded, 2),
                                     job("new", "pipeline-1", Phase::kSucceeded, 3)};
  EXPECT_EQ(jobs_to_prune(jobs, 1), (std::vector<std::string>{"mid"}));
}

}  // namespace
}  // namespace pave::workflow
