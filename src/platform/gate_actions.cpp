#include "platform/gate_actions.h"

#include <algorithm>

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace ws = api::workflow_status;

std::string reason_of(const Json& object, const char* type) {
  const Json* c = api::find_condition(object, type);
  return c ? c->value("reason", "") : "";
}

}  // namespace

workflow::Rerun rerun_asked(const Json& object) {
  if (kube::meta::label(object, workflow::kLabelManualReconciliation) == "true") return workflow::Rerun::kManual;
  if (kube::meta::label(object, workflow::kLabelRunFromStart) == "true") return workflow::Rerun::kFromStart;
  return workflow::Rerun::kNone;
}

kube::Result<ConfigureStep> advance_configure(const kube::Client& client, const workflow::WorkflowRunner& runner,
                                              const kube::Resource& r, workflow::WorkflowTarget target, const Gate& g) {
  const Json& object = target.object;
  target.options = {.rerun = rerun_asked(object), .resume_at = g.resume_at};
  auto step = runner.plan(target);
  if (!step) return std::unexpected(step.error());
  ConfigureStep out{.resource_version = kube::meta::resource_version(object)};
  if (!step->jobs.empty() && moves_workflow_on(step->decision, object)) {
    auto current = runner.is_current(r, object);
    if (!current) return std::unexpected(current.error());
    if (!*current) {
      out.behind = true;
      return out;
    }
  }
  if (auto s = runner.take(target, *step); !s) return std::unexpected(s.error());
  if (target.options.rerun != workflow::Rerun::kNone && (!step->started.empty() || target.pipelines.empty())) {
    // The new run has begun: the object asks for no other (Kratix removes the labels here too).
    auto cleared = client.patch(r, kube::meta::namespace_of(object), kube::meta::name(object), kube::PatchType::kMerge,
                                {{"metadata", {{"labels", {{workflow::kLabelManualReconciliation, nullptr},
                                                           {workflow::kLabelRunFromStart, nullptr}}}}}});
    if (!cleared) return std::unexpected(cleared.error());
    out.resource_version = kube::meta::resource_version(*cleared);
  }
  out.step = std::move(*step);
  return out;
}

kube::ReconcileResult requeue_after_wait(std::chrono::milliseconds wait) {
  return {.requeue_after = std::max(wait, std::chrono::milliseconds(0)) + std::chrono::milliseconds(200)};
}

kube::Result<GateOutcome> carry_out(const GateTarget& target, const Json& object, const Gate& g, const GateInput& in) {
  if (g.kind == Gate::Kind::kRerunDue) {
    // The re-run suspends a Job in flight. Decided on a cache that has not yet seen the run begun since (its
    // status still says failed or done long ago), it would stop that run and start another.
    auto live = target.client.get(target.resource, kube::meta::namespace_of(object), kube::meta::name(object));
    if (!live && live.error().kind == kube::ErrorKind::kNotFound) return GateOutcome{};
    if (!live) return std::unexpected(live.error());
    if (kube::meta::resource_version(*live) != kube::meta::resource_version(object)) {
      return GateOutcome{.result = {.requeue_after = std::chrono::milliseconds(500)}};
    }
  }
  const char* speaks_through = in.action == GateInput::Action::kDelete ? ws::kDeleteCompleted : ws::kReconciled;
  Json status = object.value("status", Json::object());
  apply_gate_status(status, g, in, kube::meta::generation(object));
  if (target.amend) target.amend(status);
  if (auto s = target.write_status(status); !s) return std::unexpected(s.error());
  if (const Json labels = gate_labels(g, in); !labels.is_null()) {
    auto patched = target.client.patch(target.resource, kube::meta::namespace_of(object), kube::meta::name(object),
                                       kube::PatchType::kMerge, {{"metadata", {{"labels", labels}}}});
    if (!patched && patched.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(patched.error());
  }
  const Json after = {{"status", status}};
  GateOutcome out{.changed = reason_of(after, speaks_through) != reason_of(object, speaks_through)};
  if (const GateEvent event = gate_event(g, in); out.changed && !event.reason.empty()) {
    target.events.warning(object, event.reason, in.action == GateInput::Action::kDelete ? "Delete" : "Configure",
                          event.message);
  }
  if (g.kind == Gate::Kind::kSuspended && g.wait) out.result = requeue_after_wait(*g.wait);
  return out;
}

}  // namespace pave::platform
