#include "platform/workflow_gates.h"

#include "api/conditions.h"
#include "api/go_duration.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "kube/time.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;
using std::chrono::milliseconds;
namespace ws = api::workflow_status;
namespace pr = api::promise;

constexpr const char* kReasonPaused = "PausedReconciliation";
constexpr const char* kMessagePaused = "Paused";
constexpr const char* kReasonUnpaused = "Unpaused";
constexpr const char* kReasonSuspended = "WorkflowSuspended";
constexpr const char* kMessageSuspended = "Suspended";

bool labelled(const Json& object, const char* key) { return kube::meta::label(object, key) == "true"; }

bool is_promise(const GateInput& in) { return in.object == GateInput::Object::kPromise; }

const Json& workflows_status(const Json& object) {
  return kube::child(kube::child(kube::child(object, "status"), "kratix"), "workflows");
}

bool is_delete(const GateInput& in) { return in.action == GateInput::Action::kDelete; }

// Where the workflow's pipelines are recorded: status.kratix.workflows, or its `delete` for the delete pipeline.
const Json& record_of(const Json& object, const GateInput& in) {
  return is_delete(in) ? kube::child(workflows_status(object), "delete") : workflows_status(object);
}

int64_t suspended_generation(const Json& record) {
  const Json& g = kube::child(record, "suspendedGeneration");
  return g.is_number_integer() ? g.get<int64_t>() : 0;
}

std::optional<size_t> suspended_in(const Json& record) {
  const Json& pipelines = kube::child(record, "pipelines");
  if (!pipelines.is_array()) return std::nullopt;
  for (size_t i = 0; i < pipelines.size(); ++i) {
    if (kube::child(pipelines[i], "phase") == ws::kPhaseSuspended) return i;
  }
  return std::nullopt;
}

// The time until the suspended pipeline's nextRetryAt (zero or less: due), or none for a plain suspend.
std::optional<milliseconds> until_retry(const Json& record, size_t pipeline, std::chrono::system_clock::time_point now) {
  const Json& entry = kube::child(record, "pipelines")[pipeline];
  const Json& at = kube::child(entry, "nextRetryAt");
  if (!at.is_string()) return std::nullopt;
  auto when = kube::parse_rfc3339(at.get<std::string>());
  if (!when) return std::nullopt;  // unreadable: held until the label goes, as a plain suspend
  return std::chrono::duration_cast<milliseconds>(*when - now);
}

Gate suspension(const Json& object, const GateInput& in) {
  const bool manual = labelled(object, workflow::kLabelManualReconciliation);
  const Json& record = record_of(object, in);
  const int64_t suspended_at = suspended_generation(record);
  const auto pipeline = suspended_in(record);
  if (manual || (suspended_at != 0 && kube::meta::generation(object) > suspended_at)) return {.kind = Gate::Kind::kRestart};
  if (!pipeline) {
    // A delete workflow that has not run is not held by a hold of the configure workflow it replaces.
    if (is_delete(in) && kube::child(record, "pipelines").empty()) return {.kind = Gate::Kind::kRetryNow};
    // Otherwise the status-writer's status (written after its label) is on its way: hold until it comes.
    // (Kratix restarts a Promise here, which races with that second write.)
    return {.kind = Gate::Kind::kSuspended};
  }
  auto retry = until_retry(record, *pipeline, in.now);
  if (retry && retry->count() <= 0) return {.kind = Gate::Kind::kRetryNow};
  return {.kind = Gate::Kind::kSuspended, .wait = retry};
}

void reset_pipelines(Json& status, const GateInput& in) {
  Json& workflows = is_delete(in) ? status["kratix"]["workflows"]["delete"] : status["kratix"]["workflows"];
  workflows.erase("suspendedGeneration");
  if (!workflows.contains("pipelines") || !workflows["pipelines"].is_array()) return;
  for (auto& entry : workflows["pipelines"]) {
    entry = {{"name", entry.value("name", "")}, {"phase", ws::kPhasePending}, {"lastTransitionTime", kube::time_now()}};
  }
}

void set_unavailable(Json& status, const char* reason, const char* message, int64_t generation) {
  status["status"] = pr::kUnavailable;
  api::set_condition(status, {.type = pr::kAvailable, .status = false, .reason = reason, .message = message,
                              .observed_generation = generation});
}

}  // namespace

std::optional<size_t> suspended_pipeline(const Json& object) { return suspended_in(workflows_status(object)); }

bool moves_workflow_on(const workflow::Decision& d, const Json& object) {
  if (d.kind == workflow::Decision::Kind::kStart) return true;
  if (d.kind != workflow::Decision::Kind::kCompleted) return false;
  const Json* c = api::find_condition(object, ws::kConfigureCompleted);
  return !c || c->value("status", "") != "True";
}

std::optional<milliseconds> until_rerun(const Json& object, const GateInput& in) {
  const Json* c = api::find_condition(object, ws::kConfigureCompleted);
  if (!c) return std::nullopt;
  const bool succeeded = c->value("status", "") == "True";
  const bool failed = c->value("status", "") == "False" && c->value("reason", "") == ws::kReasonFailed;
  if (!succeeded && !(failed && in.reconcile_after_failure)) return std::nullopt;
  auto since = kube::parse_rfc3339(c->value("lastTransitionTime", ""));
  if (failed) {
    // The condition went False when the run started; the retry counts from the failure, which the failed
    // pipeline's entry records, so a quickly failing pipeline is not restarted the moment it fails.
    for (const auto& entry : kube::child(workflows_status(object), "pipelines")) {
      if (kube::child(entry, "phase") != ws::kPhaseFailed) continue;
      auto at = kube::parse_rfc3339(kube::child(entry, "lastTransitionTime").is_string()
                                        ? entry["lastTransitionTime"].get<std::string>() : "");
      if (at && (!since || *at > *since)) since = at;
    }
  }
  if (!since) return in.interval;
  return in.interval - std::chrono::duration_cast<milliseconds>(in.now - *since);
}

Gate gate(const Json& object, const GateInput& in) {
  if (in.paused != GateInput::Paused::kNo) return {.kind = Gate::Kind::kPaused};
  const bool manual = labelled(object, workflow::kLabelManualReconciliation);
  const bool from_start = labelled(object, workflow::kLabelRunFromStart);
  if (is_delete(in)) {
    if (labelled(object, api::kLabelWorkflowSuspended)) return suspension(object, in);
    return {.kind = Gate::Kind::kProceed, .resume_at = suspended_in(record_of(object, in))};
  }
  const auto rerun_in = until_rerun(object, in);
  if (!manual && !from_start && rerun_in && rerun_in->count() <= 0) return {.kind = Gate::Kind::kRerunDue};
  const Json* reconciled = api::find_condition(object, ws::kReconciled);
  if (reconciled && reconciled->value("status", "") == "Unknown" && reconciled->value("reason", "") == kReasonPaused) {
    return {.kind = Gate::Kind::kUnpaused};
  }
  if (labelled(object, api::kLabelWorkflowSuspended)) return suspension(object, in);
  Gate g{.kind = Gate::Kind::kProceed, .wait = rerun_in};
  // A hold lifted by hand resumes its pipeline, unless the spec moved on since (then the new spec starts
  // from the first pipeline, as its hash says).
  const int64_t suspended_at = suspended_generation(record_of(object, in));
  if (suspended_at == 0 || kube::meta::generation(object) <= suspended_at) g.resume_at = suspended_pipeline(object);
  return g;
}

Json gate_labels(const Gate& g, const GateInput& in) {
  switch (g.kind) {
    case Gate::Kind::kRerunDue:
      return {{workflow::kLabelManualReconciliation, "true"}};
    case Gate::Kind::kUnpaused: {
      Json labels = {{workflow::kLabelRunFromStart, "true"}, {api::kLabelWorkflowSuspended, nullptr}};
      if (is_promise(in)) labels[workflow::kLabelReconcileResources] = "true";
      return labels;
    }
    case Gate::Kind::kRestart:
      // A delete workflow's manual label stays: it is the re-run, cleared once its Job starts.
      if (is_delete(in)) return {{api::kLabelWorkflowSuspended, nullptr}};
      return {{workflow::kLabelRunFromStart, "true"}, {api::kLabelWorkflowSuspended, nullptr}};
    case Gate::Kind::kRetryNow:
      return {{api::kLabelWorkflowSuspended, nullptr}};
    default:
      return nullptr;
  }
}

void apply_gate_status(Json& status, const Gate& g, const GateInput& in, int64_t generation) {
  if (!status.is_object()) status = Json::object();
  switch (g.kind) {
    case Gate::Kind::kPaused:
      api::set_condition(status, {.type = ws::kReconciled, .reason = kReasonPaused, .message = kMessagePaused,
                                  .observed_generation = generation, .unknown = true});
      if (is_promise(in)) set_unavailable(status, kReasonPaused, kMessagePaused, generation);
      break;
    case Gate::Kind::kUnpaused:
      api::set_condition(status, {.type = ws::kReconciled, .reason = kReasonUnpaused, .message = ws::kMessagePending,
                                  .observed_generation = generation, .unknown = true});
      break;
    case Gate::Kind::kRestart:
      reset_pipelines(status, in);
      break;
    case Gate::Kind::kSuspended:
      api::set_condition(status, {.type = ws::kReconciled, .reason = kReasonSuspended, .message = kMessageSuspended,
                                  .observed_generation = generation, .unknown = true});
      if (is_delete(in)) {
        api::set_condition(status, {.type = ws::kDeleteCompleted, .status = false, .reason = ws::kReasonDeleteSuspended,
                                    .message = ws::kMessageDeleteSuspended, .observed_generation = generation});
        break;
      }
      if (is_promise(in)) set_unavailable(status, kReasonSuspended, kMessageSuspended, generation);
      break;
    default:
      break;
  }
}

GateEvent gate_event(const Gate& g, const GateInput& in) {
  if (g.kind == Gate::Kind::kPaused) {
    if (is_promise(in)) return {kReasonPaused, "'kratix.io/paused' label set to 'true' for promise; pausing reconciliation"};
    if (in.paused == GateInput::Paused::kByPromise) {
      return {kReasonPaused,
              "'kratix.io/paused' label set to 'true' for promise; pausing reconciliation for this resource request"};
    }
    return {kReasonPaused, "'kratix.io/paused' label set to 'true' for this resource request; pausing reconciliation"};
  }
  if (g.kind == Gate::Kind::kSuspended) {
    return {kReasonSuspended, std::string("'kratix.io/workflow-suspended' label set to 'true' for ") +
                                  (is_promise(in) ? "promise" : "resource request") + "; skipping reconciliation"};
  }
  return {};
}

namespace {

// A duration of at least a minute (what the webhooks let through), else nothing.
std::optional<milliseconds> interval_of(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  auto parsed = api::parse_go_duration(value.get<std::string>());
  if (!parsed || *parsed < std::chrono::minutes(1)) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*parsed);
}

const Json& spec_interval(const Json& spec) {
  return kube::child(kube::child(kube::child(spec, "workflows"), "config"), "reconciliationInterval");
}

}  // namespace

milliseconds reconciliation_interval(const Json& promise, milliseconds configured, const Json* revision) {
  if (revision) {
    const Json& annotations = kube::child(kube::child(*revision, "metadata"), "annotations");
    if (auto i = interval_of(kube::child(annotations, kAnnotationReconciliationInterval))) return *i;
    if (auto i = interval_of(spec_interval(kube::child(kube::child(*revision, "spec"), "promiseSpec")))) return *i;
    return configured;
  }
  if (auto i = interval_of(spec_interval(kube::child(promise, "spec")))) return *i;
  return configured;
}

}  // namespace pave::platform
