// The Kratix comparison end to end: 1,000 Works on 100 Destinations, from the moment the Works are created
// in the API server until every WorkPlacement is Ready (its files are on the remote), with `pave controller`
// running as its own process against a real control plane and a Git server on loopback. Prints wall time,
// commits, and the controller process's CPU per WorkPlacement and peak RSS (from /proc).
// Usage: controller_bench [WORKS] [DESTINATIONS]   (default 1000 100)
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "process_stats.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "kube/object.h"
#include "api/kratix.h"
#include "statestore/layout.h"
#include "support/cluster.h"
#include "support/git_server.h"

namespace {

using namespace pave::bench;

using namespace pave;
using Clock = std::chrono::steady_clock;



void die(const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::exit(1);
}

// Counts WorkPlacements whose Ready condition is True, from a watch (polling lists would load the API
// server the controller is measured against).
class ReadyCounter {
 public:
  explicit ReadyCounter(const kube::Client& client) : informer_(client, api::work_placements(), {.namespace_ = "default"}) {
    auto seen = [this](const kube::ObjectPtr& wp) {
      std::lock_guard lock(mu_);
      all_.insert(kube::meta::key(*wp));
      if (ready(*wp)) keys_.insert(kube::meta::key(*wp));
    };
    informer_.add_handler({.on_add = seen, .on_update = [seen](const kube::ObjectPtr&, const kube::ObjectPtr& wp) { seen(wp); }});
    informer_.start();
    informer_.wait_for_sync(std::chrono::seconds(30));
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return keys_.size();
  }
  size_t existing() {
    std::lock_guard lock(mu_);
    return all_.size();
  }

 private:
  static bool ready(const kube::Json& wp) {
    for (const auto& c : wp.value("status", kube::Json::object()).value("conditions", kube::Json::array())) {
      if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return true;
    }
    return false;
  }
  kube::Informer informer_;
  std::mutex mu_;
  std::set<std::string> keys_, all_;
};

void create_works(const kube::Client& client, int works, int destinations) {
  const std::string content = statestore::encode_workload_content(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {replicas: \"3\", tier: backend}\n");
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < works; i += 4) {
        const std::string dest = "worker-" + std::to_string(i % destinations);
        kube::Json work = {{"apiVersion", api::kApiVersion}, {"kind", "Work"},
                           {"metadata", {{"name", "app-" + std::to_string(i)}, {"labels", {{"kratix.io/pipeline-name", "configure"}}}}},
                           {"spec", {{"promiseName", "app"}, {"resourceName", "app-" + std::to_string(i)},
                                     {"workloadGroups", kube::Json::array({{{"id", "5058f1af8388633f609cadb75a75dc9d"}, {"directory", "."},
                                         {"destinationSelectors", kube::Json::array({{{"source", "promise"}, {"matchLabels", {{"dest", dest}}}}})},
                                         {"workloads", kube::Json::array({{{"filepath", "app.yaml"}, {"content", content}}})}}})}}}};
        if (!client.create(api::works(), "default", work)) std::fprintf(stderr, "create failed\n");
      }
    });
  }
  for (auto& w : writers) w.join();
}

}  // namespace

int main(int argc, char** argv) {
  const int works = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int destinations = argc > 2 ? std::atoi(argv[2]) : 100;
  // --works-first: the Works exist before the controller starts (a restart with a backlog), and the clock
  // runs from the controller's start; otherwise the controller is running and the clock starts with the
  // first Work's creation.
  const bool works_first = argc > 3 && std::string(argv[3]) == "--works-first";
  auto cluster = testing::LocalCluster::start("controller-bench");
  if (!cluster) die(cluster.error());
  if (!cluster->access().kubectl({"apply", "-f", PAVE_CRD_DIR}).ok()) die("cannot apply CRDs");
  cluster->access().kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  auto git = testing::GitServer::start("kratix", "s3cr3t");
  if (!git) die(git.error());
  git->create_repo("state");
  auto cache = base::TempDir::create("controller-bench").value();

  auto config = kube::load_kubeconfig({.paths = {cluster->access().kubeconfig}}).value();
  config.qps = 0;
  auto client = kube::make_client(config).value();
  // The store trusts the Git server's CA: a Secret can't carry a CA file, so the bench uses http here and
  // the writer benchmark covers https.
  client.create(kube::resources::secrets(), "default",
                {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "git"}}},
                 {"stringData", {{"username", "kratix"}, {"password", "s3cr3t"}}}});
  client.create(api::git_state_stores(), "",
                {{"apiVersion", api::kApiVersion}, {"kind", "GitStateStore"}, {"metadata", {{"name", "state"}}},
                 {"spec", {{"url", git->url("state")}, {"secretRef", {{"name", "git"}, {"namespace", "default"}}}}}});
  for (int d = 0; d < destinations; ++d) {
    const std::string name = "worker-" + std::to_string(d);
    client.create(api::destinations(), "",
                  {{"apiVersion", api::kApiVersion}, {"kind", "Destination"},
                   {"metadata", {{"name", name}, {"labels", {{"dest", name}}}}},
                   {"spec", {{"path", name}, {"stateStoreRef", {{"kind", "GitStateStore"}, {"name", "state"}}}}}});
  }

  const char* pave = std::getenv("PAVE_BENCH_CONTROLLER") ? std::getenv("PAVE_BENCH_CONTROLLER") : PAVE_BINARY;
  auto start_controller = [&](const std::string& log) {
    std::vector<std::string> argv{pave, "controller", "--kubeconfig", cluster->access().kubeconfig, "--cache-dir",
                                  cache.path().string(), "--health-port", "-1"};  // otherwise its defaults
    if (const char* extra = std::getenv("PAVE_BENCH_CONTROLLER_ARGS")) {  // e.g. "--work-workers 64"
      std::istringstream words(extra);
      for (std::string w; words >> w;) argv.push_back(w);
    }
    auto c = base::Child::spawn(argv, {}, cache.path().string() + "/" + log);
    if (!c) die(c.error());
    return std::move(*c);
  };
  auto controller = start_controller("controller.log");
  // Wait for every Destination to be Ready (canary files written) before the clock starts.
  for (;;) {
    auto list = client.list(api::destinations(), "");
    int ready = 0;
    for (const auto& d : list->items) {
      for (const auto& c : d.value("status", kube::Json::object()).value("conditions", kube::Json::array())) {
        ready += c.value("type", "") == "Ready" && c.value("status", "") == "True";
      }
    }
    if (ready == destinations) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ReadyCounter counter(client);

  double created_s = 0;
  double cpu_before = 0;  // streaming: CPU from the first Work on; --works-first: the whole process life
  auto start = Clock::now();
  if (works_first) {
    controller.signal(SIGTERM);
    controller.wait_for(std::chrono::seconds(20));
    const auto creating = Clock::now();
    create_works(client, works, destinations);
    created_s = std::chrono::duration<double>(Clock::now() - creating).count();  // the API server alone
    start = Clock::now();
    controller = start_controller("controller-2.log");
  } else {
    cpu_before = process_cpu_seconds(controller.pid());
    create_works(client, works, destinations);
    created_s = std::chrono::duration<double>(Clock::now() - start).count();
  }
  auto progress = Clock::now();
  while (counter.count() < static_cast<size_t>(works)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() - progress > std::chrono::seconds(1)) {  // a timeline on stderr
      progress = Clock::now();
      std::fprintf(stderr, "%.1f s: %zu WorkPlacements, %zu Ready\n", std::chrono::duration<double>(progress - start).count(),
                   counter.existing(), counter.count());
    }
    if (std::chrono::duration<double>(Clock::now() - start).count() > 600) die("timed out: " + std::to_string(counter.count()) + " ready");
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = process_cpu_seconds(controller.pid()) - cpu_before;
  const long rss_mb = process_peak_rss_kb(controller.pid()) / 1024;
  auto commits = base::run({.argv = {"sh", "-c", "git -C " + git->clone("state") + " rev-list --count HEAD"}});
  if (works_first) {
    std::printf("%d Works on %d Destinations created in %.2f s with no controller running; pave controller started; every "
                "WorkPlacement Ready (files on the remote) %.2f s later",
                works, destinations, created_s, total_s);
  } else {
    std::printf("%d Works on %d Destinations: created in %.2f s; every WorkPlacement Ready (files on the remote) %.2f s after the first was created",
                works, destinations, created_s, total_s);
  }
  std::printf("; %s commits in all (including %d canary commits); pave controller: %.2f ms CPU per WorkPlacement "
              "(%s), peak RSS %ld MB\n",
              commits.out.substr(0, commits.out.find('\n')).c_str(), destinations, cpu * 1000 / works,
              works_first ? "whole process life, start-up included" : "from the first Work on", rss_mb);
  controller.signal(SIGTERM);
  controller.wait_for(std::chrono::seconds(20));
  if (std::getenv("PAVE_BENCH_REQUESTS")) {  // what the API server was asked, by verb and resource
    auto metrics = cluster->access().kubectl({"get", "--raw", "/metrics"});
    std::istringstream lines(metrics.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("apiserver_request_total{", 0) == 0 && line.find("platform.kratix.io") != std::string::npos) {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      if (line.rfind("apiserver_request_total{", 0) == 0 && line.find("resource=\"events\"") != std::string::npos) {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
    }
  }
  if (const char* keep = std::getenv("PAVE_BENCH_LOG_DIR")) {
    base::run({.argv = {"sh", "-c", "cp " + cache.path().string() + "/*.log " + keep}});
  }
  return 0;
}
