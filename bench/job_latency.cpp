// Time from creating a Job to the Job being Complete, for a pod of three containers (two init
// containers and one main container, each a shell that exits 0), with the real Job controller and
// scheduler and pave-pod-runner running the containers in podman. Starts its own cluster and runner.
// Usage: job_latency [RUNS]   (default 10); prints each phase's median and the whole run's min/median/max.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "kube/client.h"
#include "kube/object.h"
#include "support/cluster.h"

namespace {

using namespace pave;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool job_complete(const kube::Json& job) {
  for (const auto& c : job.value("status", kube::Json::object()).value("conditions", kube::Json::array())) {
    if (c.value("type", "") == "Complete" && c.value("status", "") == "True") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 10;
  if (!base::run({.argv = {PAVE_IMAGES_SCRIPT}, .timeout = std::chrono::minutes(15)}).ok()) return 1;
  auto cluster = testing::LocalCluster::start("job-bench");
  if (!cluster) {
    std::fprintf(stderr, "%s\n", cluster.error().c_str());
    return 1;
  }
  auto dir = base::TempDir::create("job-bench").value();
  auto runner = base::Child::spawn({PAVE_POD_RUNNER, "run", "--kubeconfig", cluster->access().kubeconfig, "--node",
                                    "bench-node", "--state-dir", dir.path().string()},
                                   {}, (dir.path() / "runner.log").string());
  if (!runner || !runner->read_line(std::chrono::seconds(60))) return 1;
  auto config = kube::load_kubeconfig({.paths = {cluster->access().kubeconfig}}).value();
  config.qps = 0;
  auto client = kube::make_client(config).value();

  std::vector<double> to_pod, to_bound, to_done, total;
  for (int i = 0; i < runs + 1; ++i) {  // the first run warms caches and is not counted
    const std::string name = "bench-" + std::to_string(i);
    kube::Json container = {{"image", "localhost/pave-pipeline-utility:dev"}, {"command", {"sh", "-c", "true"}}};
    auto c = [&](const char* n) { kube::Json x = container; x["name"] = n; return x; };
    kube::Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", name}}},
                      {"spec", {{"backoffLimit", 0},
                                {"template", {{"spec", {{"restartPolicy", "Never"},
                                                        {"initContainers", {c("reader"), c("work")}},
                                                        {"containers", {c("status")}}}}}}}}};
    const auto start = Clock::now();
    if (!client.create(kube::resources::jobs(), "default", job)) return 1;
    Clock::time_point pod_at{}, bound_at{};
    for (;;) {
      auto pods = client.list(kube::resources::pods(), "default", {.label_selector = "job-name=" + name});
      if (pods && !pods->items.empty()) {
        if (pod_at == Clock::time_point{}) pod_at = Clock::now();
        if (bound_at == Clock::time_point{} && !pods->items[0]["spec"].value("nodeName", "").empty()) bound_at = Clock::now();
      }
      auto j = client.get(kube::resources::jobs(), "default", name);
      if (j && job_complete(*j)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto done = Clock::now();
    if (i == 0) continue;
    to_pod.push_back(ms(pod_at - start));
    to_bound.push_back(ms(bound_at - start));
    to_done.push_back(ms(done - bound_at));
    total.push_back(ms(done - start));
  }
  std::sort(total.begin(), total.end());
  std::printf("Job with a 3-container pod, %d runs (after one warm-up):\n", runs);
  std::printf("  created -> pod exists (Job controller):  median %.0f ms\n", median(to_pod));
  std::printf("  created -> pod bound (scheduler):         median %.0f ms\n", median(to_bound));
  std::printf("  bound -> Job Complete (pod runner + Job controller): median %.0f ms\n", median(to_done));
  std::printf("  created -> Job Complete: min %.0f ms, median %.0f ms, max %.0f ms\n", total.front(), median(total),
              total.back());
  runner->signal(SIGTERM);
  runner->wait_for(std::chrono::seconds(20));
  return 0;
}
