#include "platform/work_reconciler.h"

#include <random>
#include <set>

#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/destination_reconciler.h"
#include "platform/finalizers.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace w = api::work;

constexpr auto kWaitForDestination = std::chrono::seconds(60);
constexpr auto kRetellRequest = std::chrono::seconds(30);
constexpr const char* kRefused = "WorkPlacementRefused";  // Error::reason of a create the API server refused


// Go's formatting of a []string, which Kratix's messages use: [a b c].
std::string go_list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? " " : "") + items[i];
  return s + "]";
}

kube::Result<kube::ReconcileResult> failed(const kube::Error& e) { return std::unexpected(e); }

}  // namespace

std::string work_placement_name(const std::string& work, const std::string& destination, const std::string& group_id) {
  return work + "." + destination + "-" + group_id.substr(0, 5);
}

WorkReconciler::WorkReconciler(kube::Client client, const kube::Informer& works, const kube::Informer& placements,
                               const kube::Informer& destinations, const kube::Informer& promises,
                               kube::EventRecorder& events)
    : client_(std::move(client)),
      works_(works),
      placements_(placements),
      destinations_(destinations),
      requests_(client_, works, promises),
      events_(events) {}

std::vector<kube::Request> WorkReconciler::all_works() const {
  std::vector<kube::Request> out;
  for (const auto& work : works_.store().list()) out.push_back({kube::meta::namespace_of(*work), kube::meta::name(*work)});
  return out;
}

std::vector<kube::ObjectPtr> WorkReconciler::placements_of(const Json& work) const {
  std::vector<kube::ObjectPtr> out;
  for (const auto& wp : placements_.store().by_index(kWorkIndex, kube::meta::key(work))) out.push_back(wp);
  return out;
}

kube::IndexFunc WorkReconciler::work_index() {
  return [](const Json& wp) {
    auto labels = kube::meta::labels(wp);
    auto it = labels.find(api::kLabelWork);
    if (it == labels.end()) return std::vector<std::string>{};
    return std::vector<std::string>{kube::meta::namespace_of(wp) + "/" + it->second};
  };
}

kube::Result<kube::ReconcileResult> WorkReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr work = works_.store().get(request.key());
  if (!work) {
    std::lock_guard lock(written_mu_);
    written_.erase(request.key());
    return kube::ReconcileResult{};
  }
  if ((*work)["metadata"].contains("deletionTimestamp")) return finish_deletion(*work);
  if (!kube::meta::has_finalizer(*work, w::kFinalizer)) {
    auto updated = update_owned_finalizers(client_, api::works(), *work, {w::kFinalizer}, {w::kFinalizer});
    if (!updated) return failed(updated.error());
    // Go on from the server's answer: its resourceVersion is what this reconcile's status write goes over.
    if (*updated) work = std::make_shared<const Json>(std::move(**updated));
  }

  std::vector<DestinationView> destinations;
  for (const auto& d : destinations_.store().list()) destinations.push_back(destination_view(*d));
  const bool resource_work = !kube::child(*work, "spec").value("resourceName", "").empty();
  std::map<std::string, std::vector<kube::ObjectPtr>> existing;  // group id -> its WorkPlacements
  for (const auto& wp : placements_of(*work)) existing[kube::child(*wp, "spec").value("id", "")].push_back(wp);

  Outcome outcome;
  std::set<std::string> groups;
  for (const auto& group : kube::child(kube::child(*work, "spec"), "workloadGroups")) {
    const std::string id = group.value("id", "");
    groups.insert(id);
    auto s = schedule_group(*work, group, destinations, resource_work, existing[id], outcome);
    if (!s) return failed(s.error());
  }
  // WorkPlacements of groups the Work no longer has go.
  for (const auto& [id, wps] : existing) {
    if (groups.contains(id)) continue;
    for (const auto& wp : wps) {
      auto removed = client_.remove(api::work_placements(), kube::meta::namespace_of(*wp), kube::meta::name(*wp));
      if (!removed && removed.error().kind != kube::ErrorKind::kNotFound) return failed(removed.error());
    }
  }
  const Json placements = placements_json(outcome);
  if (auto s = report(*work, groups.size(), outcome, placements); !s) return failed(s.error());
  // Telling the request is a courtesy: its failure (no RBAC on the Promise's API, say) must not stop
  // scheduling; it is said on the Work, and tried again later.
  const bool request_told = tell_request(*work, placements, false);
  if (!outcome.refused.empty()) {
    events_.warning(*work, w::kReasonFailedToSchedule, "Schedule", w::kMessageFailedToSchedule + go_list(outcome.refused));
    return kube::ReconcileResult{.requeue_after = kWaitForDestination};
  }
  if (!outcome.unscheduled.empty()) {
    events_.warning(*work, w::kEventNoMatch, "Schedule", w::kMessageUnscheduled + go_list(outcome.unscheduled));
    if (resource_work) return kube::ReconcileResult{.requeue_after = kWaitForDestination};
  }
  if (!request_told) return kube::ReconcileResult{.requeue_after = kRetellRequest};
  return kube::ReconcileResult{};
}

kube::Status WorkReconciler::schedule_group(const Json& work, const Json& group, const std::vector<DestinationView>& destinations,
                                            bool resource_work, const std::vector<kube::ObjectPtr>& existing, Outcome& outcome) {
  const std::string id = group.value("id", "");
  const Labels selector = merged_selector(group);
  const std::vector<std::string> matching = candidates(destinations, selector);
  auto matches_now = [&](const std::string& dest) { return std::find(matching.begin(), matching.end(), dest) != matching.end(); };

  std::vector<std::string> targets;  // the Destinations this group's WorkPlacements should be on
  std::map<std::string, kube::ObjectPtr> placed;  // Destination -> this group's WorkPlacement there
  for (const auto& wp : existing) placed[kube::child(*wp, "spec").value("targetDestinationName", "")] = wp;
  if (resource_work) {
    // Exactly one, never moved: keep the existing one wherever it is; otherwise pick one, once.
    auto target = placed.empty() ? resource_target(work, id, matching, false) : resource_target(work, id, {placed.begin()->first}, true);
    if (!target) return std::unexpected(target.error());
    if (!target->empty()) targets.push_back(*target);
  } else {
    // Every matching Destination; existing ones that stopped matching stay (misplaced).
    targets = matching;
    for (const auto& [dest, wp] : placed) {
      if (!matches_now(dest)) targets.push_back(dest);
    }
  }
  if (targets.empty()) {
    outcome.unscheduled.push_back(id);
    return {};
  }
  for (const auto& dest : targets) {
    const bool misplaced = !matches_now(dest);
    auto current = placed.find(dest);
    auto applied = apply_placement(work, group, dest, misplaced, current == placed.end() ? nullptr : current->second);
    if (resource_work && current == placed.end()) remember(work, id, applied ? dest : "");
    if (auto s = applied; !s) {
      // Bad input (say, a Destination name too long for a label) will not get better by retrying. Other
      // errors, an update refused because the cache lagged among them, are retried as usual.
      if (s.error().reason != kRefused) return s;
      outcome.refused.push_back(id + ": " + s.error().message);
      continue;
    }
    if (misplaced) outcome.misplaced.push_back(id);
    outcome.placements.push_back({id, dest, misplaced});
  }
  for (const auto& wp : existing) {
    const Json* written = api::find_condition(*wp, api::work_placement::kWriteSucceeded);
    if (written && written->value("status", "") == "False") outcome.failing.push_back(kube::meta::name(*wp));
  }
  return {};
}

kube::Result<std::string> WorkReconciler::resource_target(const Json& work, const std::string& group_id,
                                                          const std::vector<std::string>& matching, bool cached) {
  const std::string key = kube::meta::uid(work) + "/" + group_id;
  std::optional<std::string> remembered;
  {
    std::lock_guard lock(chosen_mu_);
    if (cached) {
      chosen_.erase(key);  // the cache shows it now
      return matching.front();
    }
    if (auto it = chosen_.find(key); it != chosen_.end()) remembered = it->second;
  }
  if (remembered && !remembered->empty()) return *remembered;
  if (remembered) {
    // A create failed in flight: the server may have it all the same.
    auto listed = client_.list(api::work_placements(), kube::meta::namespace_of(work),
                               {.label_selector = std::string(api::kLabelWork) + "=" + kube::meta::name(work) + "," +
                                                  api::kLabelWorkloadGroupId + "=" + group_id});
    if (!listed) return std::unexpected(listed.error());
    if (!listed->items.empty()) return kube::child(listed->items.front(), "spec").value("targetDestinationName", "");
  }
  if (matching.empty()) return std::string();
  static thread_local std::mt19937 rng{std::random_device{}()};
  return matching[std::uniform_int_distribution<size_t>(0, matching.size() - 1)(rng)];
}

void WorkReconciler::remember(const Json& work, const std::string& group_id, const std::string& destination) {
  std::lock_guard lock(chosen_mu_);
  chosen_[kube::meta::uid(work) + "/" + group_id] = destination;
}

Json desired_work_placement(const Json& work, const Json& group, const std::string& destination, bool misplaced) {
  const std::string id = group.value("id", "");
  const Json& spec = kube::child(work, "spec");
  Json labels = {{api::kLabelWork, kube::meta::name(work)}, {api::kLabelWorkloadGroupId, id},
                 {api::kLabelTargetDestination, destination}};
  if (auto pipeline = kube::meta::label(work, api::kLabelPipelineName); !pipeline.empty()) labels[api::kLabelPipelineName] = pipeline;
  // A request whose pipelines run in a pipelineNamespace: its files go under its own namespace (layout.h).
  if (auto ns = kube::meta::label(work, api::kLabelResourceNamespace); !ns.empty()) labels[api::kLabelResourceNamespace] = ns;
  // Server-side apply keeps only what this manager sets, so clearing misplaced is leaving it out.
  if (misplaced) labels[api::kLabelMisplaced] = "true";
  return {{"apiVersion", api::kApiVersion}, {"kind", "WorkPlacement"},
          {"metadata", {{"name", work_placement_name(kube::meta::name(work), destination, id)},
                        {"namespace", kube::meta::namespace_of(work)},
                        {"labels", labels}}},
          {"spec", {{"targetDestinationName", destination}, {"promiseName", spec.value("promiseName", "")},
                    {"resourceName", spec.value("resourceName", "")}, {"id", id},
                    {"generation", kube::meta::generation(work)},
                    {"workloads", kube::child(group, "workloads").is_array() ? kube::child(group, "workloads") : Json::array()}}}};
}

kube::Status WorkReconciler::apply_placement(const Json& work, const Json& group, const std::string& destination, bool misplaced,
                                             const kube::ObjectPtr& current) {
  // A WorkPlacement on its way out takes no changes (nor finalizers); its deletion brings the Work back.
  if (current && (*current)["metadata"].contains("deletionTimestamp")) return {};
  Json wp = desired_work_placement(work, group, destination, misplaced);
  wp["metadata"]["finalizers"] = placement_finalizers(destination);
  wp["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", api::kApiVersion}, {"kind", "Work"},
                                                    {"name", kube::meta::name(work)}, {"uid", kube::meta::uid(work)},
                                                    {"controller", true}, {"blockOwnerDeletion", true}}});
  const Json& labels = wp["metadata"]["labels"];
  // Most reconciles find the WorkPlacement already as it should be: then there is nothing to send.
  if (current) {
    const Json& have = kube::child(*current, "spec");
    bool same = true;
    for (const auto& [k, v] : wp["spec"].items()) same = same && have.contains(k) && have[k] == v;
    for (const auto& [k, v] : labels.items()) same = same && kube::meta::label(*current, k) == v.get<std::string>();
    same = same && (misplaced || kube::meta::label(*current, api::kLabelMisplaced).empty());
    for (const auto& f : wp["metadata"]["finalizers"]) same = same && kube::meta::has_finalizer(*current, f.get<std::string>());
    if (same) return {};
  }
  if (!current) {
    // A plain create costs the API server much less than an apply; a new WorkPlacement is never misplaced,
    // so there is no label a later apply would need to take away. AlreadyExists means the cache lags.
    auto created = client_.create(api::work_placements(), kube::meta::namespace_of(work), wp, {.field_manager = "pave-scheduler"});
    if (created) return {};
    if (created.error().kind == kube::ErrorKind::kInvalid) {
      kube::Error refused = created.error();  // the API server will never take this WorkPlacement as it is
      refused.reason = kRefused;
      return std::unexpected(refused);
    }
    if (created.error().kind != kube::ErrorKind::kAlreadyExists) return std::unexpected(created.error());
  }
  auto applied = client_.apply(api::work_placements(), wp, {.field_manager = "pave-scheduler", .force = true});
  if (!applied) return std::unexpected(applied.error());
  return {};
}

Json WorkReconciler::placement_finalizers(const std::string& destination) const {
  // Set when the WorkPlacement is made, so the WorkPlacement reconciler need not write them separately.
  Json finalizers = Json::array({api::work_placement::kRepoCleanupFinalizer});
  kube::ObjectPtr dest = destinations_.store().get(destination);
  auto layout = dest ? DestinationReconciler::layout_of(*dest) : std::nullopt;
  if (layout && layout->mode == statestore::FilepathMode::kNone) finalizers.push_back(api::work_placement::kDotFilesFinalizer);
  return finalizers;
}

Json WorkReconciler::placements_json(const Outcome& outcome) {
  Json placements = Json::array();
  for (const auto& p : outcome.placements) {
    placements.push_back({{"workloadGroupId", p.group_id}, {"destination", p.destination}, {"misplaced", p.misplaced}});
  }
  return placements;
}

std::pair<api::Condition, api::Condition> work_conditions(const ScheduleProblems& p, int64_t generation) {
  api::Condition scheduled{.type = w::kScheduleSucceeded, .status = true, .reason = w::kReasonAllScheduled,
                           .message = w::kMessageAllScheduled, .observed_generation = generation};
  api::Condition ready{.type = "Ready", .status = true, .reason = w::kReasonAllScheduled, .message = "Ready",
                       .observed_generation = generation};
  if (!p.refused.empty()) {
    scheduled = {w::kScheduleSucceeded, false, w::kReasonFailedToSchedule, w::kMessageFailedToSchedule + go_list(p.refused), generation};
    ready = {"Ready", false, w::kReasonFailedToSchedule, "Pending", generation};
  } else if (!p.unscheduled.empty()) {
    scheduled = {w::kScheduleSucceeded, false, w::kReasonUnscheduled, w::kMessageUnscheduled + go_list(p.unscheduled), generation};
    ready = {"Ready", false, w::kReasonUnscheduled, "Pending", generation};
  } else if (!p.misplaced.empty()) {
    scheduled = {w::kScheduleSucceeded, false, w::kReasonMismatch, w::kMessageMismatch + go_list(p.misplaced), generation};
    ready = {"Ready", false, w::kReasonMisplaced, "Misplaced", generation};
  } else if (!p.failing.empty()) {
    scheduled = {w::kScheduleSucceeded, false, w::kReasonFailing, w::kMessageFailing + go_list(p.failing), generation};
    ready = {"Ready", false, w::kReasonFailing, "Failing", generation};
  }
  return {scheduled, ready};
}

kube::Status WorkReconciler::report(const Json& work, size_t groups, const Outcome& outcome, const Json& placements) {
  Json status = work.value("status", Json::object());
  const Json before = status;
  const int64_t generation = kube::meta::generation(work);
  status["workPlacements"] = groups;
  std::set<std::string> placed_groups;
  for (const auto& p : outcome.placements) placed_groups.insert(p.group_id);
  status["workPlacementsCreated"] = placed_groups.size();  // groups − unscheduled − refused
  status["placements"] = placements;
  const auto [scheduled, ready] =
      work_conditions({outcome.refused, outcome.unscheduled, outcome.misplaced, outcome.failing}, generation);
  api::set_condition(status, scheduled);
  api::set_condition(status, ready);
  if (status == before) return {};
  const std::string key = kube::meta::key(work);
  const size_t hash = std::hash<std::string>{}(status.dump());
  {
    std::lock_guard lock(written_mu_);
    auto it = written_.find(key);
    if (it != written_.end() && it->second.over_version == kube::meta::resource_version(work) && it->second.status_hash == hash) return {};
  }
  auto patched = client_.patch(api::works(), kube::meta::namespace_of(work), kube::meta::name(work), kube::PatchType::kMerge,
                               {{"status", status}}, {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  std::lock_guard lock(written_mu_);
  written_[key] = {kube::meta::resource_version(work), hash};
  return {};
}

bool WorkReconciler::tell_request(const Json& work, const Json& placements, bool going) {
  auto told = requests_.report(work, placements, going);
  if (told) return true;
  events_.warning(work, "RequestStatusNotUpdated", "Report",
                  "could not say on the resource request where this Work landed: " + told.error().message);
  return false;
}

kube::Result<kube::ReconcileResult> WorkReconciler::finish_deletion(const Json& work) {
  auto wps = placements_of(work);
  for (const auto& wp : wps) {
    if ((*wp)["metadata"].contains("deletionTimestamp")) continue;
    auto removed = client_.remove(api::work_placements(), kube::meta::namespace_of(*wp), kube::meta::name(*wp));
    if (!removed && removed.error().kind != kube::ErrorKind::kNotFound) return failed(removed.error());
  }
  if (!wps.empty()) return kube::ReconcileResult{.requeue_after = std::chrono::seconds(1)};  // until they are gone
  tell_request(work, Json::array(), true);  // whether or not it works, the Work may go
  {
    std::lock_guard lock(chosen_mu_);
    std::erase_if(chosen_, [prefix = kube::meta::uid(work) + "/"](const auto& e) { return e.first.starts_with(prefix); });
  }
  if (auto s = set_owned_finalizers(client_, api::works(), work, {w::kFinalizer}, {}); !s) return failed(s.error());
  return kube::ReconcileResult{};
}

}  // namespace pave::platform
