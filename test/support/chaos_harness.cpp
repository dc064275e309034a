#include "support/chaos_harness.h"

#include "support/chaos_parts.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "base/compression.h"
#include "kube/client.h"
#include "kube/object.h"

namespace pave::testing {
namespace {

using namespace chaos;

std::string work_name(int i) { return "app-" + std::to_string(i); }
std::string work_content(int i, int version) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + work_name(i) + ", namespace: default}\ndata: {version: \"" +
         std::to_string(version) + "\"}\n";
}

Json work(int i, int version, const ChaosOptions& o) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Work"},
          {"metadata", {{"name", work_name(i)}, {"namespace", o.ns}, {"labels", {{"kratix.io/pipeline-name", "configure"}}}}},
          {"spec", {{"promiseName", "app"}, {"resourceName", work_name(i)},
                    {"workloadGroups", Json::array({{{"id", "5058f1af8388633f609cadb75a75dc9d"}, {"directory", "."},
                        {"destinationSelectors", Json::array({{{"source", "promise"}, {"matchLabels", {{"dest", o.prefix + destination_of(i, o)}}}}})},
                        {"workloads", Json::array({{{"filepath", "app.yaml"}, {"content", base::gzip_base64(work_content(i, version))}}})}}})}}}};
}

// Kratix's nestedByMetadata path of Work i's file.
std::string work_path(int i, const ChaosOptions& o) {
  return destination_of(i, o) + "/resources/" + o.ns + "/app/" + work_name(i) + "/configure/5058f/app.yaml";
}

// Compares the repository with what the Works say; with works_left false, after every Work was deleted,
// only the canaries may remain.
void compare_tree(const GitServer& git, const ChaosOptions& o, ChaosReport& r, bool works_left = true) {
  std::map<std::string, std::string> files;
  for (int i = 0; i < o.works && works_left; ++i) {
    if (!deleted(i)) files[work_path(i, o)] = work_content(i, changed(i) ? 2 : 1);
  }
  if (works_left) r.expected_files = files.size() + 2 * o.destinations;  // and the canaries
  compare_store(git, o, std::move(files), r);
}

// Waits for every one of `placements` WorkPlacements (0: none left, nor any Work) to be Ready and the
// repository to hold exactly what the Works say; why not, if they do not within the settle timeout.
std::optional<std::string> settle_works(const kube::Client& client, const GitServer& git, Controllers& controllers,
                                  const ChaosOptions& o, ChaosReport& report, size_t placements) {
  std::optional<std::string> gone;
  const bool settled = eventually([&] {
    if ((gone = controllers.exited())) return true;
    if (!count_placements(client, o, report)) return false;
    if (report.placements != placements || report.ready_placements != placements) return false;
    if (placements == 0) {
      auto works = client.list_all(kWorks, o.ns);
      if (!works || !works->items.empty()) return false;
    }
    compare_tree(git, o, report, placements != 0);
    return report.clean();
  }, o.settle_timeout, std::chrono::seconds(1));
  if (gone) return gone;
  if (settled) return std::nullopt;
  compare_tree(git, o, report, placements != 0);
  return "not settled within " + std::to_string(o.settle_timeout.count()) + " s";
}

}  // namespace

std::string ChaosReport::summary() const {
  std::ostringstream s;
  s << kills << " kills; " << seconds << " s (" << settled_after_last_kill << " s after the last kill); files expected "
    << expected_files << ", missing " << missing.size()
    << ", extra " << extra.size() << ", wrong " << wrong_content.size() << "; WorkPlacements " << rollout_ready << "/"
    << rollout_placements << " Ready, duplicated " << duplicate_placements.size() << ", failed requests " << request_errors.size();
  if (deletion_seconds > 0) {
    s << "; every Work deleted in " << deletion_seconds << " s (" << deletion_settled_after_last_kill
      << " s after the last kill), WorkPlacements left " << placements << " (missing, extra: of the canaries)";
  }
  if (!takeovers.empty()) {
    auto longest = *std::max_element(takeovers.begin(), takeovers.end());
    s << "; takeovers " << takeovers.size() << ", longest " << longest.count() << " ms";
  }
  if (!failure.empty()) s << "; FAILED: " << failure;
  if (jobs > 0) {
    s << "; pipeline Jobs " << jobs << ", requests with a wrong status " << wrong_status.size() << ", with two Works "
      << duplicate_works.size();
  }
  for (const auto* list :
       {&missing, &extra, &wrong_content, &duplicate_placements, &request_errors, &wrong_status, &duplicate_works}) {
    for (size_t i = 0; i < list->size() && i < 5; ++i) s << "\n  " << (*list)[i];
  }
  return s.str();
}

ChaosReport run_chaos(const ClusterAccess& cluster, GitServer& git, const std::string& pave_binary,
                      const std::string& work_dir, const ChaosOptions& o) {
  ChaosReport report;
  auto made = harness_client(cluster);
  if (!made) return report.failure = made.error(), report;
  const kube::Client client = *made;
  if (auto failed = set_up_store(cluster, client, git, o)) return report.failure = *failed, report;

  Controllers controllers(pave_binary, cluster.kubeconfig, work_dir, o.replicas);
  if (auto failed = start_controllers(controllers, client, o)) return report.failure = *failed, report;

  run_phases(client, controllers, o, report, work_dir,
             {.noun = "Work", .resource = kWorks, .name = work_name, .make = [&](int i, int version) { return work(i, version, o); },
              .settle = [&](size_t left) { return settle_works(client, git, controllers, o, report, left); }});
  auto phase = Clock::now();
  clean_up(cluster, o);
  std::fprintf(stderr, "chaos: clean-up %.1f s\n", std::chrono::duration<double>(Clock::now() - phase).count());
  phase = Clock::now();
  controllers.stop_all();
  std::fprintf(stderr, "chaos: controllers stopped in %.1f s\n", std::chrono::duration<double>(Clock::now() - phase).count());
  return report;
}

}  // namespace pave::testing
