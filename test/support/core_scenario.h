// Kratix's core end-to-end scenario (kratix-spec.md 7.2, "Core"), in steps, for any way Pave runs: as
// controllers in the test process (workflow_core_test) or installed in the cluster by its Helm chart
// (helm_install_test, which moves the leader between steps).
//
// The Promise TestBundle has a promise.configure pipeline writing a Namespace for every Destination
// labelled environment=dev, static dependencies, and two resource.configure pipelines, the second of which
// checks the status the first wrote and splits its output over two Destinations with
// destination-selectors.yaml. Pipeline scripts are shell with yq, as Kratix's are; the state store is a
// real Git server. Each step asserts with GoogleTest; call it under ASSERT_NO_FATAL_FAILURE.
#pragma once

#include <string>

#include "support/cluster.h"
#include "support/git_server.h"

namespace pave::testing {

class CoreScenario {
 public:
  // ns: the namespace of the request and of the Git credentials. git serves the state store.
  CoreScenario(const ClusterAccess& cluster, std::string ns, GitServer& git)
      : cluster_(cluster), ns_(std::move(ns)), git_(git) {}

  // GitStateStore "core" (repository "state", made here) and Destinations worker-1 and worker-2, both
  // environment=dev; returns once both are Ready.
  void set_up_destinations();
  // 1-2. The Promise is Available: its CRD, its pipeline's Work on both dev Destinations, its static
  // dependencies, the files in Git.
  void promise_is_available();
  // 3-4. A request runs both pipelines in turn; its Works are placed and written.
  void request_is_fulfilled();
  // 5. Updating the request runs both pipelines again.
  void request_update_reruns();
  // 6. Updating the Promise re-runs its pipeline and the request's; a pipeline dropped from the Promise
  // takes its Work and files away.
  void promise_update_reruns();
  // 7. Deleting the request removes its Works and files; deleting the Promise removes the rest.
  void deletions_clean_up();
  // Removes what the scenario made (the Promise, Destinations, the store), whatever step it reached.
  void tear_down();

  // The cluster's Promise, Jobs, pods, Works, WorkPlacements and requests, for failure messages.
  std::string debug() const;

 private:
  std::string get(const std::string& kind, const std::string& name, const std::string& jsonpath,
                  const std::string& ns = "") const;
  std::string rr(const std::string& jsonpath) const;
  std::string promise(const std::string& jsonpath) const;
  std::string in_ns(std::vector<std::string> args) const;
  std::string tree(const std::string& path) const;
  std::string file(const std::string& path) const;
  std::string works_of(const std::string& pipeline) const;
  std::string destinations_of(const std::string& work) const;
  std::string base() const { return "/resources/" + ns_ + "/testbundle/kratix-test/"; }

  const ClusterAccess& cluster_;
  std::string ns_;
  GitServer& git_;
  std::string first_dest_;  // where the first pipeline's one group went
};

// The scenario's Promise; without the second resource pipeline when second_pipeline is false.
std::string core_promise_yaml(const std::string& greeting, bool second_pipeline = true);

}  // namespace pave::testing
