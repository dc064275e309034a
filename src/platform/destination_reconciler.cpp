#include "platform/destination_reconciler.h"

#include <algorithm>

#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/finalizers.h"
#include "platform/work_placement_reconciler.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace d = api::destination;

constexpr auto kDestinationRetry = std::chrono::seconds(15);


struct StoreRef {
  std::string kind;
  std::string name;
};

StoreRef store_ref(const Json& destination) {
  const Json& ref = kube::child(kube::child(destination, "spec"), "stateStoreRef");
  return {ref.value("kind", ""), ref.value("name", "")};
}

}  // namespace

DestinationReconciler::DestinationReconciler(kube::Client client, const kube::Informer& destinations,
                                             const kube::Informer& placements, StateStoreRegistry& registry,
                                             kube::EventRecorder& events)
    : client_(std::move(client)), destinations_(destinations), placements_(placements), registry_(registry), events_(events) {}

std::vector<kube::Request> DestinationReconciler::deleting_destination_of(const Json& work_placement) const {
  const std::string name = kube::child(work_placement, "spec").value("targetDestinationName", "");
  kube::ObjectPtr dest = destinations_.store().get(name);
  if (!dest || !(*dest)["metadata"].contains("deletionTimestamp")) return {};
  return {{"", name}};
}

kube::Result<bool> DestinationReconciler::placements_gone(const Json& destination) {
  const auto placements = placements_.store().by_index(WorkPlacementReconciler::kDestinationIndex, kube::meta::name(destination));
  for (const auto& wp : placements) {
    if ((*wp)["metadata"].contains("deletionTimestamp")) continue;
    auto removed = client_.remove(api::work_placements(), kube::meta::namespace_of(*wp), kube::meta::name(*wp));
    if (!removed && !kube::is_not_found(removed)) return std::unexpected(removed.error());
  }
  return placements.empty();
}

std::optional<statestore::DestinationLayout> DestinationReconciler::layout_of(const Json& destination) {
  const Json& spec = kube::child(destination, "spec");
  const Json& filepath = kube::child(spec, "filepath");
  auto mode = statestore::parse_filepath_mode(filepath.value("mode", ""));
  if (!mode) return std::nullopt;
  std::string filename = filepath.value("filename", "");
  return statestore::DestinationLayout{.name = kube::meta::name(destination), .path = spec.value("path", ""),
                                       .mode = *mode, .aggregated_filename = filename.empty() ? "aggregated.yaml" : filename};
}

std::vector<kube::Request> DestinationReconciler::destinations_using(const Json& state_store) const {
  return destinations_using(state_store.value("kind", ""), kube::meta::name(state_store));
}

std::vector<kube::Request> DestinationReconciler::destinations_using(const std::string& kind, const std::string& name) const {
  std::vector<kube::Request> out;
  for (const auto& dest : destinations_.store().list()) {
    StoreRef ref = store_ref(*dest);
    if (ref.kind == kind && ref.name == name) {
      out.push_back({"", kube::meta::name(*dest)});
    }
  }
  return out;
}

kube::Result<kube::ReconcileResult> DestinationReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr dest = destinations_.store().get(request.key());
  if (!dest) return kube::ReconcileResult{};
  const bool deleting = (*dest)["metadata"].contains("deletionTimestamp");
  const bool cleanup_all = kube::child(*dest, "spec").value("cleanup", "none") == "all";

  // Going without Pave's finalizer (cleanup: none, held only by someone else's, a foreground deletion for
  // instance): nothing of it is Pave's to clean; its WorkPlacements and files stay.
  if (deleting && !kube::meta::has_finalizer(*dest, d::kFinalizer)) return kube::ReconcileResult{};
  // The finalizer is there exactly when the Destination must clean up after itself.
  if (!deleting && cleanup_all != kube::meta::has_finalizer(*dest, d::kFinalizer)) {
    if (auto s = set_finalizer(*dest, cleanup_all); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};  // the update brings us back
  }
  if (!deleting && !api::find_condition(*dest, "Ready")) {
    if (auto s = report(*dest, false, d::kReasonNotReady, d::kMessageNotReady); !s) return std::unexpected(s.error());
  }

  auto layout = layout_of(*dest);
  if (!layout) {
    const Json& mode = kube::child(kube::child(kube::child(*dest, "spec"), "filepath"), "mode");
    return invalid(*dest, deleting, "filepath.mode " + mode.dump() + " is not one of nestedByMetadata, aggregatedYAML, none");
  }
  // A path that leaves the store is refused before anything waits on the store.
  if (auto check = statestore::canary_change(*layout, true); !check && check.error().kind == kube::ErrorKind::kInvalid) {
    return invalid(*dest, deleting, check.error().message);
  }
  const StoreRef ref = store_ref(*dest);
  auto writer = registry_.get(ref.kind, ref.name);
  if (!writer) {
    const kube::Resource store_resource = ref.kind == "GitStateStore" ? api::git_state_stores() : api::bucket_state_stores();
    auto store = client_.get(store_resource, "", ref.name);
    if (!store && !kube::is_not_found(store)) return std::unexpected(store.error());
    const bool exists = store.has_value();
    const Json* store_ready = exists ? api::find_condition(*store, "Ready") : nullptr;
    if (store_ready && store_ready->value("status", "") == "True") {
      // A Ready store this process has not opened yet (it has just started): wait for it (opening it wakes
      // this Destination) rather than report NotReady or drop a cleanup that is still owed.
      return kube::ReconcileResult{.requeue_after = kDestinationRetry};
    }
    if (deleting) {
      // No file can be cleaned without a working store; do not hold the Destination forever. Its
      // WorkPlacements still go (deleting them needs no store), so a Destination of the same name later
      // does not bring them back.
      if (auto gone = placements_gone(*dest); !gone) return std::unexpected(gone.error());
      events_.warning(*dest, d::kEventNotReady, "Delete",
                      ref.kind + "/" + ref.name + (exists ? " is not ready" : " is not found") + ": files on it were not cleaned up");
      if (auto s = set_finalizer(*dest, false); !s) return std::unexpected(s.error());
      return kube::ReconcileResult{};
    }
    const std::string reason = exists ? d::kReasonStoreNotReady : d::kReasonStoreNotFound;
    if (auto s = report(*dest, false, reason, ref.kind + "/" + ref.name + (exists ? ": not ready" : ": not found")); !s) {
      return std::unexpected(s.error());
    }
    return kube::ReconcileResult{.requeue_after = kDestinationRetry};
  }

  if (deleting) {
    // Each WorkPlacement takes its own files out as it goes; their going wakes this Destination.
    auto gone = placements_gone(*dest);
    if (!gone) return std::unexpected(gone.error());
    if (!*gone) return kube::ReconcileResult{.requeue_after = kDestinationRetry};
  }
  const bool enabled = !deleting && dest->value("spec", Json::object()).value("initWorkloads", Json::object()).value("enabled", true);
  auto canary = statestore::canary_change(*layout, enabled);
  if (!canary) return std::unexpected(canary.error());
  auto written = writer->submit(std::move(*canary)).get();
  if (!written && statestore::is_writer_closed(written.error())) {
    return kube::ReconcileResult{.requeue_after = std::chrono::seconds(1)};  // the store's writer changed hands: again with the next
  }
  if (!written) {
    if (auto s = report(*dest, false, d::kReasonWriteFailed, written.error().message); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{.requeue_after = kDestinationRetry};
  }
  if (deleting) {
    if (auto s = set_finalizer(*dest, false); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }
  if (auto s = report(*dest, true, enabled ? d::kReasonTestDocuments : d::kReasonReady,
                      enabled ? d::kMessageTestDocuments : d::kMessageReady);
      !s) {
    return std::unexpected(s.error());
  }
  return kube::ReconcileResult{};
}

kube::Result<kube::ReconcileResult> DestinationReconciler::invalid(const Json& destination, bool deleting,
                                                                   const std::string& why) {
  if (deleting) {
    // Nothing was ever written for a spec that cannot be used: nothing to clean up.
    if (auto s = set_finalizer(destination, false); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }
  if (auto s = report(destination, false, d::kReasonInvalid, why); !s) return std::unexpected(s.error());
  return kube::ReconcileResult{};  // retrying cannot help: a change of the spec wakes it
}

kube::Status DestinationReconciler::set_finalizer(const Json& destination, bool present) {
  return set_owned_finalizers(client_, api::destinations(), destination, {d::kFinalizer},
                              present ? std::vector<std::string>{d::kFinalizer} : std::vector<std::string>{});
}

kube::Status DestinationReconciler::report(const Json& destination, bool ready, const std::string& reason,
                                           const std::string& message) {
  Json status = destination.value("status", Json::object());
  const Json before = status;
  api::set_condition(status, {.type = "Ready", .status = ready, .reason = reason, .message = message,
                              .observed_generation = kube::meta::generation(destination)});
  if (status == before) return {};
  auto patched = client_.patch(api::destinations(), "", kube::meta::name(destination), kube::PatchType::kMerge,
                               {{"status", status}}, {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  const Json* was = api::find_condition(destination, "Ready");
  const bool was_ready = was && was->value("status", "") == "True";
  if (ready && !was_ready) events_.normal(destination, d::kEventReady, "Reconcile", message);
  if (!ready && reason != d::kReasonNotReady) events_.warning(destination, d::kEventNotReady, "Reconcile", message);
  return {};
}

}  // namespace pave::platform
