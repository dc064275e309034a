#include "platform/workflow_status.h"

#include "kube/object.h"
#include "kube/time.h"
#include "api/kratix.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace ws = api::workflow_status;
using workflow::Decision;

// One entry of status.kratix.workflows.pipelines, its transition time kept while its phase holds.
Json pipeline_entry(const Json& previous, const std::string& name, const std::string& phase) {
  Json entry = {{"name", name}, {"phase", phase}, {"lastTransitionTime", kube::time_now()}};
  if (previous.is_object() && previous.value("name", "") == name && previous.value("phase", "") == phase) {
    entry = previous;
  }
  return entry;
}

// Pipelines before `current` Succeeded, `current` in current_phase, later ones Pending. A restart builds
// every entry afresh; a resumed pipeline keeps the attempts its retries counted (the status-writer adds one
// per retryAfter).
void set_pipelines(Json& status, const std::vector<std::string>& pipelines, size_t current, const char* current_phase,
                   const Decision& d) {
  Json& list = status["kratix"]["workflows"]["pipelines"];
  const Json previous = list.is_array() && !d.restart ? list : Json::array();
  Json next = Json::array();
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const char* phase = i < current ? ws::kPhaseSucceeded : i == current ? current_phase : ws::kPhasePending;
    const Json before = i < previous.size() ? previous[i] : Json();
    Json entry = pipeline_entry(before, pipelines[i], phase);
    if (d.resume && i == current && before.is_object() && before.contains("attempts")) entry["attempts"] = before["attempts"];
    next.push_back(std::move(entry));
  }
  list = std::move(next);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void apply_workflow_decision(Json& status, const std::vector<std::string>& pipelines, const Decision& d, int64_t generation) {
  if (!status.is_object()) status = Json::object();
  if (d.kind == Decision::Kind::kWait && d.resume) return;  // the held pipeline's record stays until it runs again
  const auto n = static_cast<int64_t>(pipelines.size());
  status["workflows"] = n;
  switch (d.kind) {
    case Decision::Kind::kStart:
    case Decision::Kind::kWait:
      // Kratix sets it on starting any pipeline, so the last status-writer turns it into its final word.
      if (d.kind == Decision::Kind::kStart) status["message"] = ws::kMessagePending;
      status["workflowsSucceeded"] = static_cast<int64_t>(d.succeeded);
      status["workflowsFailed"] = 0;
      set_pipelines(status, pipelines, d.pipeline, ws::kPhaseRunning, d);
      api::set_condition(status, {.type = ws::kConfigureCompleted, .status = false, .reason = ws::kReasonInProgress,
                                  .message = ws::kMessageInProgress, .observed_generation = generation});
      api::set_condition(status, {.type = ws::kReconciled, .reason = ws::kReasonWorkflowPending,
                                  .message = ws::kMessagePending, .observed_generation = generation, .unknown = true});
      break;
    case Decision::Kind::kFailed: {
      const std::string failed = d.pipeline < pipelines.size() ? pipelines[d.pipeline] : "";
      status["workflowsSucceeded"] = static_cast<int64_t>(d.succeeded);
      status["workflowsFailed"] = 1;
      set_pipelines(status, pipelines, d.pipeline, ws::kPhaseFailed, d);
      api::set_condition(status, {.type = ws::kConfigureCompleted, .status = false, .reason = ws::kReasonFailed,
                                  .message = ws::kMessageFailedPrefix + failed, .observed_generation = generation});
      api::set_condition(status, {.type = ws::kReconciled, .status = false, .reason = ws::kReasonFailed,
                                  .message = ws::kMessageFailing, .observed_generation = generation});
      break;
    }
    case Decision::Kind::kCompleted:
      status["workflowsSucceeded"] = n;
      status["workflowsFailed"] = 0;
      set_pipelines(status, pipelines, pipelines.size(), ws::kPhaseSucceeded, d);
      // The last pipeline's status-writer set this already; a workflow of no pipelines has none to.
      api::set_condition(status, {.type = ws::kConfigureCompleted, .status = true, .reason = ws::kReasonSucceeded,
                                  .message = ws::kMessageSucceeded, .observed_generation = generation});
      break;
  }
}

api::Condition works_condition(const std::vector<kube::ObjectPtr>& works, const std::string& success_message,
                               int64_t generation) {
  std::vector<std::string> failing, pending, misplaced;
  for (const auto& w : works) {
    const Json* ready = api::find_condition(*w, "Ready");
    const std::string message = ready ? ready->value("message", "") : "";
    const std::string name = kube::meta::name(*w);
    if (message == "Failing") failing.push_back(name);
    else if (!ready || message == "Pending" || ready->value("status", "") == "Unknown") pending.push_back(name);
    else if (message == "Misplaced") misplaced.push_back(name);
  }
  api::Condition c{.type = ws::kWorksSucceeded, .observed_generation = generation};
  if (!failing.empty()) {
    c.reason = ws::kReasonWorksFailing;
    c.message = "Some works associated with this object are failing: " + join(failing);
  } else if (!pending.empty()) {
    c.unknown = true;
    c.reason = ws::kReasonWorksPending;
    c.message = "Some works associated with this object are not ready: " + join(pending);
  } else if (!misplaced.empty()) {
    c.reason = ws::kReasonWorksMisplaced;
    c.message = "Some works associated with this object are misplaced: " + join(misplaced);
  } else {
    c.status = true;
    c.reason = ws::kReasonWorksSucceeded;
    c.message = success_message;
  }
  return c;
}

void mark_reconciled(Json& status, const api::Condition& works, int64_t generation) {
  api::set_condition(status, works);
  if (works.status) {
    api::set_condition(status, {.type = ws::kReconciled, .status = true, .reason = ws::kReasonReconciled,
                                .message = ws::kMessageReconciled, .observed_generation = generation});
  } else if (works.unknown) {
    api::set_condition(status, {.type = ws::kReconciled, .reason = ws::kReasonWorksPending,
                                .message = ws::kMessagePending, .observed_generation = generation, .unknown = true});
  } else {
    // Failing and misplaced Works alike: Reconciled's only False reasons are ConfigureWorkflowFailed and WorksFailing.
    api::set_condition(status, {.type = ws::kReconciled, .status = false, .reason = ws::kReasonWorksFailing,
                                .message = ws::kMessageFailing, .observed_generation = generation});
  }
  status["observedGeneration"] = generation;
  Json completed = Json::object();  // none when the status never had the condition
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == ws::kConfigureCompleted) completed = c;
  }
  if (completed.value("status", "") == "True") {
    const std::string at = completed.value("lastTransitionTime", "");
    status["lastSuccessfulConfigureWorkflowTime"] = at;
    status["kratix"]["workflows"]["lastSuccessfulConfigureWorkflowTime"] = at;
  }
}

}  // namespace pave::platform
