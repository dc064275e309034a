// Pave's controller killed with SIGKILL at random moments while it rolls Works out to Destinations, then
// the state store checked file by file against what the Works say. Shared by chaos_test (e2e) and
// bench/chaos_bench (more kills, more Works).
//
// The rollout: `works` Works, Work i selecting Destination worker-(i % destinations) by label, each with
// one file; once all are created, every tenth is changed (a second version of its file) and every tenth
// (offset 5) deleted. Meanwhile `kills` times, after a random pause, the controller (`pave controller` as
// its own process, Git over http on loopback) is SIGKILLed and started again. With `replicas`, two
// controllers run with --leader-elect and each kill is of the leader; the killed one comes back as the
// standby, and the time until the other holds the Lease is measured.
//
// Then, with the controller left running: every WorkPlacement must be Ready, exactly one for each Work
// left, and the repository must hold exactly the expected files (each Destination's canaries and, for
// every Work left, its file with its latest content under Kratix's nestedByMetadata path): nothing
// missing, nothing extra, nothing stale; and none of the harness's own requests may have failed. Then
// every Work left is deleted, with deletion_kills more kills, and the repository must come back to the
// canaries alone, with no WorkPlacement left. Finally the Destinations and the store are deleted (cleanup
// none: the files stay); a second run in the same cluster takes another prefix.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support/cluster.h"
#include "support/git_server.h"

namespace pave::testing {

struct ChaosOptions {
  std::string ns = "default";  // the Works' namespace; the repository is "chaos-<ns>"
  std::string prefix;          // of the Destinations' and the store's names, so runs in one cluster stay apart
  int works = 1000;
  int destinations = 10;
  int kills = 20;
  bool replicas = false;  // two controllers with leader election; kills go to the leader
  std::chrono::milliseconds min_pause{200};
  std::chrono::milliseconds max_pause{1500};
  uint32_t seed = 1;
  std::chrono::seconds settle_timeout{300};  // after the last kill, for every WorkPlacement to be Ready
  // Then every Work left is deleted while the controller is killed deletion_kills times more, and the
  // repository must come back to the canaries alone.
  bool delete_works = true;
  int deletion_kills = 0;
};

struct ChaosReport {
  int kills = 0;
  double seconds = 0;                      // first Work created to every check passing
  double settled_after_last_kill = 0;      // of seconds: the last kill of the rollout to every check passing
  size_t expected_files = 0;              // after the rollout
  std::vector<std::string> missing;        // expected, not in the repository
  std::vector<std::string> extra;          // in the repository, not expected
  std::vector<std::string> wrong_content;  // there, with other content
  size_t placements = 0;
  size_t ready_placements = 0;
  std::vector<std::string> duplicate_placements;  // a Work placed twice
  std::vector<std::chrono::milliseconds> takeovers;  // replicas: leader killed to the other leading
  std::vector<std::string> request_errors; // the harness's own creates, changes and deletes that failed
  double deletion_seconds = 0;             // deleting every Work to the store holding only the canaries
  double deletion_settled_after_last_kill = 0;  // of deletion_seconds: from the phase's last kill
  size_t rollout_placements = 0, rollout_ready = 0;  // placements and ready_placements after the rollout
  // Resource requests (run_request_chaos): those whose status is not what their last workflow should
  // have left, those with more than one Work, and how many pipeline Jobs ran for them in all.
  std::vector<std::string> wrong_status;
  std::vector<std::string> duplicate_works;
  size_t jobs = 0;
  std::string failure;                     // why the run could not finish, if it could not

  bool clean() const {
    return failure.empty() && missing.empty() && extra.empty() && wrong_content.empty() && duplicate_placements.empty() &&
           request_errors.empty() && wrong_status.empty() && duplicate_works.empty() && ready_placements == placements;
  }
  std::string summary() const;
};

// The same with resource requests, once the workflow layer is there: o.works requests of one Promise
// (its API a namespaced CRD) whose resource.configure pipeline writes one ConfigMap, version and
// Destination as the request says (the Destination by destination-selectors.yaml); every tenth request is
// updated to version 2 and every tenth (offset 5) deleted once all exist; kills as above. Afterwards every
// request must say Reconciled=True for its generation, with one Work placed once and Ready, and the
// repository hold exactly one file per request left with its latest version; then every request is
// deleted (deletion_kills more) and only the canaries may remain. Needs a pod runner for the cluster
// and the pipeline images (support/pod_runner.h).
ChaosReport run_request_chaos(const ClusterAccess& cluster, GitServer& git, const std::string& pave_binary,
                              const std::string& work_dir, const ChaosOptions& options);

// Runs the scenario against cluster (with Pave's CRDs and the kratix-platform-system namespace) and git;
// pave_binary is `pave`; work_dir keeps the controllers' caches and logs.
ChaosReport run_chaos(const ClusterAccess& cluster, GitServer& git, const std::string& pave_binary,
                      const std::string& work_dir, const ChaosOptions& options);

}  // namespace pave::testing
