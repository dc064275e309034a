#include "platform/gate_actions.h"

#include <algorithm>

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/object.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace ws = api::workflow_status;

std::string reason_of(const Json& object, const char* type) {
  const Json* c = api::find_condition(object, type);
  return c ? c->value("reason", "") : "";
}

}  // namespace

kube::ReconcileResult requeue_after_wait(std::chrono::milliseconds wait) {
  return {.requeue_after = std::max(wait, std::chrono::milliseconds(0)) + std::chrono::milliseconds(200)};
}

kube::Result<GateOutcome> carry_out(const GateTarget& target, const Json& object, const Gate& g, const GateInput& in) {
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
