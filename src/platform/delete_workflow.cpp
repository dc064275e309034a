#include "platform/delete_workflow.h"

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"
#include "platform/gate_actions.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;
using workflow::Decision;
namespace ws = api::workflow_status;

// status.kratix.workflows.delete.pipelines as one entry in `phase`; the status-writer finds its pipeline
// there to record a hold. A resumed pipeline keeps the attempts its retries counted.
void record_pipeline(Json& status, const std::string& pipeline, const char* phase, bool resume) {
  Json& record = status["kratix"]["workflows"]["delete"];
  const Json before = kube::child(record, "pipelines").is_array() && !record["pipelines"].empty() ? record["pipelines"][0] : Json();
  if (kube::child(before, "name") == pipeline && kube::child(before, "phase") == phase) return;
  Json entry = {{"name", pipeline}, {"phase", phase}, {"lastTransitionTime", kube::time_now()}};
  if (resume && before.is_object() && before.contains("attempts")) entry["attempts"] = before["attempts"];
  record["pipelines"] = Json::array({entry});
  if (std::string_view(phase) != ws::kPhaseSuspended) record.erase("suspendedGeneration");
}

// Kratix retries a failed delete pipeline (its reconcile errors and backs off): Pave runs it again once
// 10 s have passed since it failed, doubling with each failed Job kept, up to 5 minutes. What remains
// before the next run; zero or less when it is due.
std::chrono::milliseconds until_delete_retry(const Json& object, const std::vector<workflow::JobView>& jobs) {
  size_t failures = 0;
  for (const auto& j : jobs) failures += j.phase == workflow::JobView::Phase::kFailed ? 1 : 0;
  const auto backoff = std::min<std::chrono::milliseconds>(std::chrono::seconds(10) * (1 << std::min<size_t>(failures ? failures - 1 : 0, 5)),
                                                           std::chrono::minutes(5));
  const Json& records = kube::child(kube::child(kube::child(kube::child(object, "status"), "kratix"), "workflows"), "delete");
  const Json& record = kube::child(records, "pipelines").is_array() && !records["pipelines"].empty() ? records["pipelines"][0] : Json();
  if (kube::string_at(record, "phase") != ws::kPhaseFailed) return backoff;  // the failure is not on record yet
  auto failed_at = kube::parse_rfc3339(kube::string_at(record, "lastTransitionTime"));
  if (!failed_at) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::time_point(*failed_at) + backoff -
                                                               std::chrono::system_clock::now());
}

}  // namespace

kube::Result<std::optional<kube::ReconcileResult>> run_delete_workflow(const DeleteWorkflowContext& ctx,
                                                                       workflow::WorkflowTarget target, GateInput in) {
  const Json& object = target.object;
  if (target.pipelines.empty()) return std::nullopt;
  target.pipelines.resize(1);  // only the first delete pipeline runs (spec 1.1)
  in.action = GateInput::Action::kDelete;
  const Gate g = gate(object, in);
  if (g.kind != Gate::Kind::kProceed) {
    const GateTarget held{.client = ctx.client, .events = ctx.events, .resource = ctx.resource,
                          .write_status = [&](const Json& status) { return ctx.write_status(status, ""); }};
    auto done = carry_out(held, object, g, in);
    if (!done) return std::unexpected(done.error());
    return done->result;
  }

  const bool manual = kube::meta::label(object, workflow::kLabelManualReconciliation) == "true";
  target.options = {.rerun = manual ? workflow::Rerun::kManual : workflow::Rerun::kNone, .resume_at = g.resume_at};
  auto step = ctx.runner.plan(target);
  if (!step) return std::unexpected(step.error());
  std::chrono::milliseconds retry_in{0};
  if (step->decision.kind == Decision::Kind::kFailed) {
    retry_in = until_delete_retry(object, step->jobs);
    if (retry_in <= std::chrono::milliseconds(0)) {
      target.options.rerun = workflow::Rerun::kFromStart;
      step = ctx.runner.plan(target);
      if (!step) return std::unexpected(step.error());
    }
  }
  const Decision& d = step->decision;
  if (d.kind == Decision::Kind::kStart || d.kind == Decision::Kind::kCompleted) {
    // The pipeline that just finished may have held the deletion in an update the cache has not seen.
    auto current = ctx.runner.is_current(ctx.resource, object);
    if (!current) return std::unexpected(current.error());
    if (!*current) return kube::ReconcileResult{.requeue_after = std::chrono::milliseconds(500)};
  }
  if (auto s = ctx.runner.take(target, *step); !s) return std::unexpected(s.error());
  if (d.kind == Decision::Kind::kCompleted) return std::nullopt;
  if (d.kind == Decision::Kind::kWait && d.resume) return kube::ReconcileResult{};  // the record stays Suspended meanwhile

  std::string resource_version;
  if (manual && !step->started.empty()) {
    auto cleared = ctx.client.patch(ctx.resource, kube::meta::namespace_of(object), kube::meta::name(object),
                                    kube::PatchType::kMerge,
                                    {{"metadata", {{"labels", {{workflow::kLabelManualReconciliation, nullptr}}}}}});
    if (!cleared) return std::unexpected(cleared.error());
    resource_version = kube::meta::resource_version(*cleared);
  }
  Json status = object.value("status", Json::object());
  const std::string& pipeline = target.pipelines.front().name;
  const Json* before = api::find_condition(object, ws::kDeleteCompleted);
  if (d.kind == Decision::Kind::kFailed) {
    record_pipeline(status, pipeline, ws::kPhaseFailed, false);
    api::set_condition(status, {.type = ws::kDeleteCompleted, .status = false, .reason = ws::kReasonDeleteFailed,
                                .message = ws::kMessageDeleteFailed, .observed_generation = kube::meta::generation(object)});
    if (!before || before->value("reason", "") != ws::kReasonDeleteFailed) {
      ctx.events.warning(object, ws::kEventDeleteFailed, "Delete", ws::kMessageDeleteFailed);
    }
  } else {
    record_pipeline(status, pipeline, ws::kPhaseRunning, d.resume);
    // A hold that ended leaves no word of it on the condition.
    if (before && before->value("reason", "") == ws::kReasonDeleteSuspended) {
      api::set_condition(status, {.type = ws::kDeleteCompleted, .status = false, .reason = ws::kReasonInProgress,
                                  .message = ws::kMessageInProgress, .observed_generation = kube::meta::generation(object)});
    }
  }
  if (auto s = ctx.write_status(status, resource_version); !s) return std::unexpected(s.error());
  // Its Jobs' events and label changes wake it; a failed pipeline also when its retry is due.
  if (d.kind == Decision::Kind::kFailed) return kube::ReconcileResult{.requeue_after = std::max(retry_in, std::chrono::milliseconds(1000))};
  return kube::ReconcileResult{};
}

}  // namespace pave::platform
