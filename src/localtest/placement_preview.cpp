#include "localtest/placement_preview.h"

#include <algorithm>

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "platform/destination_reconciler.h"
#include "platform/promise_revisions.h"
#include "platform/resource_bindings.h"
#include "platform/scheduler.h"
#include "platform/work_placement_reconciler.h"
#include "platform/work_reconciler.h"
#include "platform/workflow_status.h"
#include "statestore/layout.h"
#include "statestore/writer.h"

namespace pave::localtest {
namespace {

using kube::Json;

// The Work's status as the Work reconciler reports it once its groups are placed and written (or not:
// failing names the WorkPlacements whose files could not be written).
Json work_status(size_t groups, const std::vector<std::string>& unscheduled, const std::vector<std::string>& failing) {
  Json status = {{"workPlacements", groups}, {"workPlacementsCreated", groups - unscheduled.size()}};
  const auto [scheduled, ready] = platform::work_conditions({.unscheduled = unscheduled, .failing = failing}, 1);
  api::set_condition(status, scheduled);
  api::set_condition(status, ready);
  return status;
}

struct DestinationInfo {
  std::optional<statestore::DestinationLayout> layout;
  std::string store;         // Kind/name
  std::string store_prefix;  // the store's spec.path
};

DestinationInfo destination_info(const Json& destination, const std::vector<Json>& stores) {
  DestinationInfo info{.layout = platform::DestinationReconciler::layout_of(destination)};
  const Json& ref = kube::child(kube::child(destination, "spec"), "stateStoreRef");
  info.store = ref.value("kind", "") + "/" + ref.value("name", "");
  for (const Json& s : stores) {
    if (s.value("kind", "") == ref.value("kind", "") && kube::meta::name(s) == ref.value("name", "")) {
      info.store_prefix = kube::child(s, "spec").value("path", "");
    }
  }
  return info;
}

class Previewer {
 public:
  Previewer(const std::vector<Json>& destinations, const std::vector<Json>& stores) {
    for (const Json& d : destinations) {
      views_.push_back(platform::destination_view(d));
      info_[kube::meta::name(d)] = destination_info(d, stores);
    }
  }

  PlacementPreview run(const std::vector<Json>& works) {
    for (const Json& work : works) place(work);
    for (auto& [destination, placements] : placed_) write(destination, placements);
    for (const Json& work : works) {
      const std::string name = kube::meta::name(work);
      const size_t groups = kube::child(work, "spec").value("workloadGroups", Json::array()).size();
      preview_.work_status[name] = work_status(groups, unscheduled_[name], failing_[name]);
    }
    std::sort(preview_.files.begin(), preview_.files.end(), [](const StoreFile& a, const StoreFile& b) {
      return std::tie(a.destination, a.path) < std::tie(b.destination, b.path);
    });
    return std::move(preview_);
  }

 private:
  void place(const Json& work) {
    const bool resource_work = !kube::child(work, "spec").value("resourceName", "").empty();
    const Json groups = kube::child(work, "spec").value("workloadGroups", Json::array());
    for (const Json& group : groups) {
      GroupPlacement g{.work = kube::meta::name(work), .group_id = group.value("id", ""),
                       .directory = group.value("directory", "."), .selector = platform::merged_selector(group)};
      g.candidates = platform::candidates(views_, g.selector);
      g.destinations = g.candidates;
      if (resource_work && g.destinations.size() > 1) {
        g.destinations.resize(1);
        g.one_of = true;
      }
      if (g.destinations.empty()) unscheduled_[g.work].push_back(g.group_id);
      for (const auto& d : g.destinations) {
        const Json wp = platform::desired_work_placement(work, group, d, false);
        work_of_[kube::meta::name(wp)] = g.work;
        auto placement = platform::placement_of(wp);
        if (placement) placed_[d].push_back(std::move(*placement));
        else fail(kube::meta::name(wp), g.work + " on " + d + ": " + placement.error().message);
      }
      preview_.groups.push_back(std::move(g));
    }
  }

  void fail(const std::string& placement, const std::string& why) {
    preview_.errors.push_back(why);
    failing_[work_of_[placement]].push_back(placement);
  }

  void write(const std::string& destination, const std::vector<statestore::Placement>& placements) {
    const DestinationInfo& info = info_[destination];
    if (!info.layout) {
      for (const auto& p : placements) fail(p.name, "Destination " + destination + " has a filepath mode Kratix does not know");
      return;
    }
    std::vector<std::pair<std::vector<std::string>, kube::Result<statestore::Change>>> changes;  // placements, change
    if (info.layout->mode == statestore::FilepathMode::kAggregatedYAML) {
      std::vector<std::string> names;
      for (const auto& p : placements) names.push_back(p.name);
      changes.emplace_back(names, statestore::aggregated_change(*info.layout, placements, "pave test"));
    } else {
      for (const auto& p : placements) changes.emplace_back(std::vector<std::string>{p.name}, statestore::placement_change(*info.layout, p));
    }
    for (const auto& [names, change] : changes) {
      if (!change) {
        for (const auto& n : names) fail(n, "Destination " + destination + ": " + change.error().message);
        continue;
      }
      for (const auto& f : change->files) {
        preview_.files.push_back({.destination = destination, .store = info.store,
                                  .path = statestore::store_path(info.store_prefix, f.path), .content = f.content});
      }
    }
  }

  std::vector<platform::DestinationView> views_;
  std::map<std::string, DestinationInfo> info_;
  std::map<std::string, std::vector<statestore::Placement>> placed_;
  std::map<std::string, std::string> work_of_;                       // WorkPlacement -> Work
  std::map<std::string, std::vector<std::string>> unscheduled_;      // Work -> group ids
  std::map<std::string, std::vector<std::string>> failing_;          // Work -> WorkPlacements
  PlacementPreview preview_;
};

// The Works of one workflow, with the conditions the preview gives them, as the reconcilers read them.
std::vector<kube::ObjectPtr> with_status(const std::vector<Json>& works, const PlacementPreview& preview) {
  std::vector<kube::ObjectPtr> out;
  for (Json w : works) {
    auto it = preview.work_status.find(kube::meta::name(w));
    if (it != preview.work_status.end()) w["status"] = it->second;
    out.push_back(std::make_shared<const Json>(std::move(w)));
  }
  return out;
}

void finish(WorkflowResult& result, std::vector<Json> works, const PlacementPreview& preview, const std::string& message) {
  if (result.end != WorkflowResult::End::kCompleted) return;
  const int64_t generation = kube::meta::generation(result.object);
  Json& status = result.object["status"];
  if (!status.is_object()) status = Json::object();
  platform::mark_reconciled(status, platform::works_condition(with_status(works, preview), message, generation), generation);
}

// What the request's status says of where its Works went (RequestPlacementReporter), sorted as it sorts.
Json request_placements(const WorkflowResult& request, const PlacementPreview& preview) {
  Json entries = Json::array();
  for (const Json& work : request.works) {
    for (const auto& g : preview.groups) {
      if (g.work != kube::meta::name(work)) continue;
      for (const auto& d : g.destinations) {
        entries.push_back({{"work", g.work}, {"workloadGroupId", g.group_id}, {"destination", d}, {"misplaced", false}});
      }
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Json& a, const Json& b) {
    return std::tie(a["work"], a["workloadGroupId"], a["destination"]) < std::tie(b["work"], b["workloadGroupId"], b["destination"]);
  });
  return entries;
}

}  // namespace

PlacementPreview preview_placements(const std::vector<Json>& works, const std::vector<Json>& destinations,
                                    const std::vector<Json>& stores) {
  return Previewer(destinations, stores).run(works);
}

void finish_statuses(LocalTestRun& run, const PlacementPreview& preview) {
  // The Promise's own Works are its pipelines' (the static dependencies are not counted, as on a cluster).
  finish(run.promise, run.promise.works, preview, api::promise::kMessageWorksSucceeded);
  if (!run.request) return;
  finish(*run.request, run.request->works, preview, api::request::kMessageWorksSucceeded);
  Json& status = run.request->object["status"];
  if (Json placements = request_placements(*run.request, preview); !placements.empty()) status["kratix"]["placements"] = placements;
  if (run.request->end == WorkflowResult::End::kCompleted) {
    // A new request binds to the latest revision, whose version is the Promise's label.
    status["promiseVersion"] = platform::revision_version(run.promise.object);
    status["resourceBindingVersion"] = platform::kBindingLatest;
  }
}

}  // namespace pave::localtest
