#include "workflow/workflow_state.h"

#include <algorithm>
#include <map>

#include "api/kratix.h"
#include "workflow/labels.h"

namespace pave::workflow {
namespace {

using kube::Json;

bool has_true_condition(const Json& job, const char* type) {
  for (const auto& c : job.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

std::string label(const Json& object, const char* key) {
  const Json& labels = object.value("metadata", Json::object()).value("labels", Json::object());
  auto it = labels.find(key);
  return it != labels.end() && it->is_string() ? it->get<std::string>() : "";
}

// Creation timestamps have one-second precision, and a pipeline's Job is often made in the same second as
// the previous pipeline's finished. Within a second, a Job of the current hash is newer than one of another
// (only current-hash Jobs are ever created), and a later pipeline's newer than an earlier one's (pipelines
// run one after another), and a suspended Job older than the one the re-run that suspended it made.
void sort_oldest_first(std::vector<JobView>& jobs, const std::string& hash, const std::vector<std::string>& pipelines) {
  auto index = [&](const JobView& j) {
    auto it = std::find(pipelines.begin(), pipelines.end(), j.pipeline);
    return it == pipelines.end() ? -1 : static_cast<int>(it - pipelines.begin());
  };
  std::stable_sort(jobs.begin(), jobs.end(), [&](const JobView& a, const JobView& b) {
    if (a.created != b.created) return a.created < b.created;
    const bool a_current = a.hash == hash, b_current = b.hash == hash;
    if (a_current != b_current) return b_current;
    if (index(a) != index(b)) return index(a) < index(b);
    return a.suspended && !b.suspended;
  });
}

}  // namespace

JobView job_view(const Json& job) {
  JobView v{.name = job.value("metadata", Json::object()).value("name", ""),
            .pipeline = label(job, api::kLabelPipelineName),
            .hash = label(job, kLabelHash),
            .created = job.value("metadata", Json::object()).value("creationTimestamp", "")};
  const bool suspended = job.value("spec", Json::object()).value("suspend", false);
  v.suspended = suspended;
  if (has_true_condition(job, "Complete")) v.phase = JobView::Phase::kSucceeded;
  else if (has_true_condition(job, "Failed") || suspended) v.phase = JobView::Phase::kFailed;
  return v;
}

Decision decide(const std::vector<std::string>& pipelines, const std::string& hash, std::vector<JobView> jobs,
                const DecideOptions& options) {
  sort_oldest_first(jobs, hash, pipelines);
  const JobView* newest = jobs.empty() ? nullptr : &jobs.back();
  const bool running = newest && newest->phase == JobView::Phase::kRunning;
  if (options.rerun != Rerun::kNone) {
    if (running && options.rerun == Rerun::kFromStart) return {.kind = Decision::Kind::kWait, .job = newest->name};
    Decision d{.kind = Decision::Kind::kStart, .pipeline = 0, .restart = true};
    if (running) d.suspend = newest->name;
    return d;
  }
  if (options.resume_at && *options.resume_at < pipelines.size()) {
    const size_t i = *options.resume_at;
    // The held pipeline's own Job may still be finishing after its status-writer held the workflow.
    if (running) return {.kind = Decision::Kind::kWait, .pipeline = i, .succeeded = i, .job = newest->name, .resume = true};
    return {.kind = Decision::Kind::kStart, .pipeline = i, .succeeded = i, .resume = true};
  }
  if (!newest) return {.kind = Decision::Kind::kStart, .pipeline = 0};
  auto at = std::find(pipelines.begin(), pipelines.end(), newest->pipeline);
  if (newest->hash != hash || at == pipelines.end()) {
    // The spec changed since the newest Job (or its pipeline is gone): start again once it is done.
    if (newest->phase == JobView::Phase::kRunning) return {.kind = Decision::Kind::kWait, .pipeline = 0, .job = newest->name};
    return {.kind = Decision::Kind::kStart, .pipeline = 0};
  }
  const size_t i = static_cast<size_t>(at - pipelines.begin());
  switch (newest->phase) {
    case JobView::Phase::kRunning:
      return {.kind = Decision::Kind::kWait, .pipeline = i, .succeeded = i, .job = newest->name};
    case JobView::Phase::kFailed:
      return {.kind = Decision::Kind::kFailed, .pipeline = i, .succeeded = i, .job = newest->name};
    case JobView::Phase::kSucceeded:
      if (i + 1 < pipelines.size()) return {.kind = Decision::Kind::kStart, .pipeline = i + 1, .succeeded = i + 1};
      return {.kind = Decision::Kind::kCompleted, .pipeline = i, .succeeded = pipelines.size(), .job = newest->name};
  }
  return {};
}

std::vector<std::string> jobs_to_prune(std::vector<JobView> jobs, size_t keep) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const JobView& a, const JobView& b) { return a.created > b.created; });
  std::map<std::string, size_t> kept;
  std::vector<std::string> prune;
  for (const auto& j : jobs) {
    if (j.phase == JobView::Phase::kRunning) continue;  // never a Job still at work
    if (++kept[j.pipeline] > keep) prune.push_back(j.name);
  }
  return prune;
}

}  // namespace pave::workflow
