#include "platform/work_placement_reconciler.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "kube/log.h"
#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/destination_reconciler.h"
#include "platform/finalizers.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace wp_api = api::work_placement;

constexpr auto kPlacementRetry = std::chrono::seconds(15);
constexpr auto kAfterHandOver = std::chrono::seconds(1);


// A finished reconcile, or the error that stopped it.
kube::Result<kube::ReconcileResult> done(const kube::Status& s) {
  if (!s) return std::unexpected(s.error());
  return kube::ReconcileResult{};
}

// What a write was for: a WorkPlacement's spec and pipeline label (part of its path), whether it is going,
// and its Destination's spec. A result for anything else is stale.
std::string fingerprint(const Json& wp, const Json& destination, bool deleting) {
  return std::to_string(kube::meta::generation(wp)) + "/" + kube::meta::label(wp, api::kLabelPipelineName) +
         (deleting ? "/deleting/" : "/") + kube::meta::uid(destination) + "/" + std::to_string(kube::meta::generation(destination));
}

}  // namespace

// The writes submitted and not yet reported, by WorkPlacement key. Writers' callbacks hold it weakly and
// wake the WorkPlacement when its write is done.
class WorkPlacementReconciler::Writes {
 public:
  using Result = kube::Result<statestore::WriteResult>;
  enum class State { kNone, kInFlight, kDone };

  // The state of key's write for this fingerprint; a finished one is handed over (and forgotten). Any
  // write still in flight counts, whatever it was for: the next change is built only once the store has
  // the last one (a `none` layout reads its state file, which that write may still be changing).
  State take(const std::string& key, const std::string& fingerprint, std::optional<Result>& result) {
    std::lock_guard lock(mu_);
    auto it = writes_.find(key);
    if (it == writes_.end()) return State::kNone;
    if (!it->second.result) return State::kInFlight;
    if (it->second.fingerprint != fingerprint) {
      writes_.erase(it);  // done, but for what the WorkPlacement was before
      return State::kNone;
    }
    result = std::move(it->second.result);
    writes_.erase(it);
    return State::kDone;
  }
  // Starts a write for key (none is in flight for it: take() said so).
  uint64_t start(const std::string& key, const std::string& fingerprint) {
    std::lock_guard lock(mu_);
    writes_[key] = {fingerprint, ++next_id_, std::nullopt};
    return next_id_;
  }
  void finish(const kube::Request& request, uint64_t id, Result result) {
    std::function<void(const kube::Request&)> wake;
    {
      std::lock_guard lock(mu_);
      auto it = writes_.find(request.key());
      if (it == writes_.end() || it->second.id != id) return;
      it->second.result = std::move(result);
      wake = wake_;
    }
    if (wake) wake(request);
  }
  // Brings request back through the controller to build its change again (another WorkPlacement's change
  // concerns it). A write of its own in flight was built before that: its result is not taken as current,
  // so the reconcile it wakes builds anew.
  void wake(const kube::Request& request) {
    std::function<void(const kube::Request&)> wake;
    {
      std::lock_guard lock(mu_);
      if (auto it = writes_.find(request.key()); it != writes_.end()) it->second.fingerprint.clear();
      wake = wake_;
    }
    if (wake) wake(request);
  }
  void forget(const std::string& key) {
    std::lock_guard lock(mu_);
    writes_.erase(key);
  }
  void set_wake(std::function<void(const kube::Request&)> wake) {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }

 private:
  struct Write {
    std::string fingerprint;
    uint64_t id = 0;
    std::optional<Result> result;
  };
  std::mutex mu_;
  std::map<std::string, Write> writes_;
  uint64_t next_id_ = 0;
  std::function<void(const kube::Request&)> wake_;
};

// The placement's names, without its workloads: enough to say where its files go.
statestore::Placement placement_names_of(const Json& wp) {
  const Json& spec = kube::child(wp, "spec");
  return {.name = kube::meta::name(wp), .namespace_ = kube::meta::namespace_of(wp),
          .resource_namespace = kube::meta::label(wp, api::kLabelResourceNamespace),
          .promise = spec.value("promiseName", ""), .resource = spec.value("resourceName", ""),
          .pipeline = kube::meta::label(wp, api::kLabelPipelineName), .group_id = spec.value("id", "")};
}

kube::Result<statestore::Placement> placement_of(const Json& wp) {
  const Json& spec = kube::child(wp, "spec");
  statestore::Placement p = placement_names_of(wp);
  for (const auto& w : kube::child(spec, "workloads")) {
    auto content = statestore::decode_workload_content(w.value("content", ""));
    if (!content) return std::unexpected(content.error());
    p.workloads.push_back({w.value("filepath", ""), std::move(*content)});
  }
  return p;
}

WorkPlacementReconciler::WorkPlacementReconciler(kube::Client client, const kube::Informer& placements,
                                                 const kube::Informer& destinations, StateStoreRegistry& registry,
                                                 kube::EventRecorder& events)
    : client_(std::move(client)),
      placements_(placements),
      destinations_(destinations),
      registry_(registry),
      events_(events),
      writes_(std::make_shared<Writes>()) {}

WorkPlacementReconciler::~WorkPlacementReconciler() = default;

void WorkPlacementReconciler::set_wake(std::function<void(const kube::Request&)> wake) { writes_->set_wake(std::move(wake)); }

kube::IndexFunc WorkPlacementReconciler::destination_index() {
  return [](const Json& wp) {
    return std::vector<std::string>{kube::child(wp, "spec").value("targetDestinationName", "")};
  };
}

std::vector<kube::Request> WorkPlacementReconciler::placements_on(const Json& destination) const {
  std::vector<kube::Request> out;
  for (const auto& wp : placements_.store().by_index(kDestinationIndex, kube::meta::name(destination))) {
    out.push_back({kube::meta::namespace_of(*wp), kube::meta::name(*wp)});
  }
  return out;
}

size_t WorkPlacementReconciler::rewrite_drifted(const std::string& kind, const std::string& name,
                                                const std::vector<std::string>& paths) {
  size_t woken = 0;
  for (const auto& dest : destinations_.store().list()) {
    const Json& ref = kube::child(kube::child(*dest, "spec"), "stateStoreRef");
    if (ref.value("kind", "") != kind || ref.value("name", "") != name) continue;
    auto layout = DestinationReconciler::layout_of(*dest);
    if (!layout) continue;
    auto dir = statestore::destination_dir(*layout);
    if (!dir) continue;
    auto under = [&](const std::string& d) {
      return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) { return d.empty() || p == d || p.starts_with(d + "/"); });
    };
    if (!under(*dir)) continue;
    for (const auto& wp : placements_.store().by_index(kDestinationIndex, layout->name)) {
      // nestedByMetadata: a placement owns its directory, so only those holding a changed path need
      // writing (a file someone added beside them wakes none). The other layouts share files between
      // placements: all of them.
      if (layout->mode == statestore::FilepathMode::kNestedByMetadata) {
        auto change = statestore::placement_change(*layout, placement_names_of(*wp));
        if (change && std::none_of(change->replace_directories.begin(), change->replace_directories.end(), under)) continue;
      }
      writes_->wake({kube::meta::namespace_of(*wp), kube::meta::name(*wp)});
      ++woken;
    }
  }
  kube::log::info("files changed on a state store behind Pave's back; writing their WorkPlacements again",
                  {{"store", kind + "/" + name}, {"paths", std::to_string(paths.size())}, {"placements", std::to_string(woken)}});
  return woken;
}

kube::Result<kube::ReconcileResult> WorkPlacementReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr wp = placements_.store().get(request.key());
  if (!wp) {
    writes_->forget(request.key());
    return kube::ReconcileResult{};
  }
  const bool deleting = (*wp)["metadata"].contains("deletionTimestamp");
  const std::string target = kube::child(*wp, "spec").value("targetDestinationName", "");
  kube::ObjectPtr dest = destinations_.store().get(target);
  if (!dest) {
    // No Destination, nothing to write and nothing to clean: its finalizers only hold its deletion. A
    // Destination of that name appearing wakes it (placements_on), when the finalizers come back.
    if (kube::meta::has_finalizer(*wp, wp_api::kRepoCleanupFinalizer) || kube::meta::has_finalizer(*wp, wp_api::kDotFilesFinalizer)) {
      return done(set_finalizers(*wp, {}));
    }
    return kube::ReconcileResult{};
  }
  auto layout = DestinationReconciler::layout_of(*dest);
  if (!layout) return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "Destination " + target + " has an unknown filepath.mode"));
  const Json& ref = kube::child(kube::child(*dest, "spec"), "stateStoreRef");
  auto writer = registry_.get(ref.value("kind", ""), ref.value("name", ""));
  if (!writer) {
    // The store is not Ready yet (its opening wakes this one): say so rather than nothing.
    if (!deleting) {
      if (auto s = report_pending(*wp); !s) return std::unexpected(s.error());
    }
    return kube::ReconcileResult{.requeue_after = kPlacementRetry};
  }

  if (!deleting) {
    // The scheduler creates WorkPlacements with their finalizers; this covers any made otherwise.
    std::vector<std::string> wanted = {wp_api::kRepoCleanupFinalizer};
    if (layout->mode == statestore::FilepathMode::kNone) wanted.push_back(wp_api::kDotFilesFinalizer);
    for (const auto& f : wanted) {
      if (kube::meta::has_finalizer(*wp, f)) continue;
      if (auto s = set_finalizers(*wp, wanted); !s) return std::unexpected(s.error());
      break;
    }
  }
  const std::string what = fingerprint(*wp, *dest, deleting);
  std::optional<kube::Result<statestore::WriteResult>> written;
  switch (writes_->take(request.key(), what, written)) {
    case Writes::State::kDone: return finish(*wp, deleting, *written);
    case Writes::State::kInFlight: return kube::ReconcileResult{};  // its result will wake us, then we look again
    case Writes::State::kNone: break;
  }
  if (layout->mode != statestore::FilepathMode::kAggregatedYAML) return submit(request, *wp, what, *layout, *writer, deleting);
  std::lock_guard order(aggregate_mu_[std::hash<std::string>{}(layout->name) % aggregate_mu_.size()]);
  return submit(request, *wp, what, *layout, *writer, deleting);
}

kube::Result<kube::ReconcileResult> WorkPlacementReconciler::submit(const kube::Request& request, const Json& wp,
                                                                    const std::string& what,
                                                                    const statestore::DestinationLayout& layout,
                                                                    statestore::Writer& writer, bool deleting) {
  auto change = change_for(wp, layout, writer, deleting);
  if (!change) return finish(wp, deleting, std::unexpected(change.error()));
  if (before_submit_) before_submit_(request);
  const uint64_t id = writes_->start(request.key(), what);
  writer.submit(std::move(*change), [writes = std::weak_ptr<Writes>(writes_), request, id](kube::Result<statestore::WriteResult> r) {
    if (auto w = writes.lock()) w->finish(request, id, std::move(r));
  });
  return kube::ReconcileResult{};
}

kube::Result<kube::ReconcileResult> WorkPlacementReconciler::finish(const Json& wp, bool deleting,
                                                                    const kube::Result<statestore::WriteResult>& written) {
  // The store's writer changed hands under this write: nothing failed; the next writer takes it.
  if (!written && statestore::is_writer_closed(written.error())) return kube::ReconcileResult{.requeue_after = kAfterHandOver};
  if (deleting) {
    // A change that cannot be built is the controller's error, with its backoff.
    if (!written && written.error().kind == kube::ErrorKind::kInvalid) return std::unexpected(written.error());
    if (!written) {
      // A failed write is not an error for the controller's backoff: the submit before this reconcile
      // succeeded and reset it, so a remote that refuses at once would be retried every few
      // milliseconds. Kratix's pace instead.
      kube::log::warn("removing a WorkPlacement's files failed; trying again", {{"workplacement", kube::meta::key(wp)},
                      {"error", written.error().message}, {"retry_after_s", std::to_string(kPlacementRetry.count())}});
      events_.warning(wp, "FailedRemove", "Delete", "removing files from the state store failed: " + written.error().message);
      return kube::ReconcileResult{.requeue_after = kPlacementRetry};
    }
    return done(set_finalizers(wp, {}));
  }
  if (auto s = report(wp, written); !s) return std::unexpected(s.error());
  if (!written) return kube::ReconcileResult{.requeue_after = kPlacementRetry};
  return kube::ReconcileResult{.requeue_after = rewrite_after_};
}

kube::Result<statestore::Change> WorkPlacementReconciler::change_for(const Json& wp, const statestore::DestinationLayout& layout,
                                                                     statestore::Writer& writer, bool removing) {
  if (layout.mode == statestore::FilepathMode::kAggregatedYAML) {
    // One file for the whole Destination: every live WorkPlacement on it, this one left out when it goes.
    std::vector<statestore::Placement> live;
    for (const auto& other : placements_.store().by_index(kDestinationIndex, layout.name)) {
      if ((*other)["metadata"].contains("deletionTimestamp")) continue;
      if (removing && kube::meta::key(*other) == kube::meta::key(wp)) continue;
      auto p = placement_of(*other);
      if (!p) return std::unexpected(p.error());
      live.push_back(std::move(*p));
    }
    return statestore::aggregated_change(layout, std::move(live), kube::meta::name(wp));
  }
  auto placement = placement_of(wp);
  if (!placement) return std::unexpected(placement.error());
  if (layout.mode == statestore::FilepathMode::kNone) return none_layout_change(wp, *placement, layout, writer, removing);
  return removing ? statestore::placement_removal(layout, *placement) : statestore::placement_change(layout, *placement);
}

namespace {

std::vector<std::string> filepaths_of(const Json& wp) {
  std::vector<std::string> out;
  for (const auto& w : kube::child(kube::child(wp, "spec"), "workloads")) out.push_back(w.value("filepath", ""));
  return out;
}

}  // namespace

kube::Result<statestore::Change> WorkPlacementReconciler::none_layout_change(const Json& wp, const statestore::Placement& placement,
                                                                            const statestore::DestinationLayout& layout,
                                                                            statestore::Writer& writer, bool removing) {
  auto state_path = statestore::state_file_path(layout, placement);
  if (!state_path) return std::unexpected(state_path.error());
  auto previous = writer.read_file(*state_path);
  if (!previous) return std::unexpected(previous.error());
  auto mine = statestore::none_layout_paths(layout, filepaths_of(wp));
  if (!mine) return std::unexpected(mine.error());
  const std::set<std::string> my_paths(mine->begin(), mine->end());

  // Who else on the Destination names the same files (from the cache, so every reconcile agrees).
  statestore::OtherPlacements others;
  std::vector<kube::Request> sharing;
  const std::string my_key = kube::meta::key(wp);
  for (const auto& other : placements_.store().by_index(kDestinationIndex, layout.name)) {
    if (kube::meta::key(*other) == my_key || (*other)["metadata"].contains("deletionTimestamp")) continue;
    auto paths = statestore::none_layout_paths(layout, filepaths_of(*other));
    if (!paths) continue;  // its own reconcile reports its bad path
    bool shares = false;
    for (const auto& path : *paths) {
      others.named.insert(path);
      if (kube::meta::key(*other) < my_key) others.owned.insert(path);
      shares = shares || my_paths.contains(path);
    }
    if (shares) sharing.push_back({kube::meta::namespace_of(*other), kube::meta::name(*other)});
  }
  auto change = removing ? statestore::placement_removal(layout, placement, *previous, others)
                         : statestore::placement_change(layout, placement, *previous, others);
  if (!change) return change;
  // What this placement owns changed (or it is going): those naming the same files look again, as one of
  // them may now own a file, or no longer.
  auto listed = std::find_if(change->files.begin(), change->files.end(), [&](const auto& f) { return f.path == *state_path; });
  const bool ownership_moved = removing || listed == change->files.end() || *previous != listed->content;
  if (ownership_moved) {
    for (const auto& other : sharing) writes_->wake(other);
  }
  return change;
}

kube::Status WorkPlacementReconciler::set_finalizers(const Json& wp, const std::vector<std::string>& finalizers) {
  return set_owned_finalizers(client_, api::work_placements(), wp, {wp_api::kRepoCleanupFinalizer, wp_api::kDotFilesFinalizer},
                              finalizers);
}

namespace {

// ScheduleSucceeded from the misplaced label the scheduler keeps on wp; whether it is misplaced.
bool set_schedule_condition(Json& status, const Json& wp) {
  const bool misplaced = kube::meta::label(wp, api::kLabelMisplaced) == "true";
  api::set_condition(status, {.type = wp_api::kScheduleSucceeded, .status = !misplaced,
                              .reason = misplaced ? wp_api::kReasonMismatch : wp_api::kReasonScheduled,
                              .message = misplaced ? wp_api::kMessageMismatch : wp_api::kMessageScheduled,
                              .observed_generation = kube::meta::generation(wp)});
  return misplaced;
}

}  // namespace

kube::Status WorkPlacementReconciler::report_pending(const Json& wp) {
  const Json* ready = api::find_condition(wp, "Ready");
  if (ready && ready->value("status", "") == "True") return {};  // written before: the files are there
  Json status = wp.value("status", Json::object());
  const Json before = status;
  const int64_t generation = kube::meta::generation(wp);
  set_schedule_condition(status, wp);
  if (!ready || ready->value("reason", "") != wp_api::kReasonWriteFailed) {
    api::set_condition(status, {.type = "Ready", .status = false, .reason = wp_api::kReasonScheduled,
                                .message = wp_api::kMessagePending, .observed_generation = generation});
  }
  if (status == before) return {};
  auto patched = client_.patch(api::work_placements(), kube::meta::namespace_of(wp), kube::meta::name(wp),
                               kube::PatchType::kMerge, {{"status", status}}, {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  return {};
}

kube::Status WorkPlacementReconciler::report(const Json& wp, const kube::Result<statestore::WriteResult>& written) {
  Json status = wp.value("status", Json::object());
  const Json before = status;
  const int64_t generation = kube::meta::generation(wp);
  const std::string destination = kube::child(wp, "spec").value("targetDestinationName", "");
  // The scheduler labels a WorkPlacement whose Destination no longer matches; it is still written (its
  // files stay where they are until a person moves the request), but it is not Ready.
  const Json* scheduled = api::find_condition(wp, wp_api::kScheduleSucceeded);
  const bool was_misplaced = scheduled && scheduled->value("status", "") == "False";
  const bool misplaced = set_schedule_condition(status, wp);
  if (written) {
    status["versionID"] = written->version;
    api::set_condition(status, {.type = wp_api::kWriteSucceeded, .status = true, .reason = wp_api::kReasonWritten,
                                .message = wp_api::kMessageWritten, .observed_generation = generation});
  } else {
    api::set_condition(status, {.type = wp_api::kWriteSucceeded, .status = false, .reason = wp_api::kReasonWriteFailed,
                                .message = written.error().message, .observed_generation = generation});
  }
  // A failed write says Failing whatever else is true; then a misplaced placement says so.
  if (!written) {
    api::set_condition(status, {.type = "Ready", .status = false, .reason = wp_api::kReasonWriteFailed,
                                .message = wp_api::kMessageFailing, .observed_generation = generation});
  } else if (misplaced) {
    api::set_condition(status, {.type = "Ready", .status = false, .reason = wp_api::kReasonMisplaced,
                                .message = wp_api::kMessageMisplaced, .observed_generation = generation});
  } else {
    api::set_condition(status, {.type = "Ready", .status = true, .reason = wp_api::kReasonReady, .message = "Ready",
                                .observed_generation = generation});
  }
  if (status == before) return {};
  auto patched = client_.patch(api::work_placements(), kube::meta::namespace_of(wp), kube::meta::name(wp),
                               kube::PatchType::kMerge, {{"status", status}}, {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  if (misplaced && !was_misplaced) {
    events_.warning(wp, wp_api::kEventMismatch, "Schedule",
                    "labels for destination: " + destination + " no longer match the expected labels, marking this workplacement as misplaced");
  }
  if (written && written->changed) {
    events_.normal(wp, wp_api::kEventWritten, "Write",
                   "successfully written to Destination: " + destination + " with versionID: " + written->version);
  }
  if (!written) {
    events_.warning(wp, wp_api::kEventWriteFailed, "Write", "failed writing to Destination: " + destination + " with error: " +
                                                                written.error().message + "; check kubectl get destination for more info");
  }
  return {};
}

}  // namespace pave::platform
