// Promises and resource requests through `pave controller`: N requests of one Promise whose
// resource.configure workflow is one pipeline of one container, created as fast as the API server takes
// them. The controller runs as its own process (default settings) against a real control plane, with a
// Git server on loopback as the state store of one Destination. CPU and peak RSS are the controller's.
//
//   workflow_bench jobs [N]   no pod runner: from the first request created until N pipeline Jobs exist
//   workflow_bench e2e  [N]   with pave-pod-runner running the Jobs: until every request is Reconciled and
//                             its file is on the remote (checked in a clone at the end)
//
// N defaults to 100. PAVE_BENCH_CONTROLLER_ARGS adds flags to the controller (e.g. "--qps 0");
// PAVE_BENCH_RUNNER_WORKERS sets the pod runner's --workers (default 4, its own default);
// PAVE_BENCH_REQUESTS=1 prints what the API server was asked; PAVE_BENCH_LOG_DIR keeps the logs.
// Kratix's anchor: its perf rig converged a batch of 100 requests in 2 min 59 s at client-go's default
// QPS 20 / burst 30 with one worker per request controller (kratix PR #782; the rig runs N=100, PR #846).
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "api/kratix.h"
#include "base/temp_dir.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "kube/object.h"
#include "process_stats.h"
#include "support/cluster.h"
#include "support/git_server.h"
#include "support/pod_runner.h"

namespace {

using namespace pave;
using namespace pave::bench;
using Clock = std::chrono::steady_clock;

constexpr double kKratixSeconds = 179;  // 2 min 59 s (kratix PR #782, MCR 1, QPS 20 / burst 30)
constexpr const char* kPromise = "benchapp";
constexpr const char* kPipeline = "instance";
const kube::Resource kRequests{"bench.kratix.io", "v1alpha1", "benchapps", "BenchApp", true};

// Thrown rather than exiting, so the controller, runner, Git server and cluster stop with their owners.
struct Fatal {
  std::string why;
};
[[noreturn]] void die(const std::string& why) { throw Fatal{why}; }

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The Promise: an API (a namespaced CRD) and one resource.configure pipeline of one container writing a
// ConfigMap named after the request. No promise workflow, so what is measured is the requests.
std::string promise_yaml() {
  return std::string(R"(apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: )") + kPromise + R"(
spec:
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: benchapps.bench.kratix.io}
    spec:
      group: bench.kratix.io
      scope: Namespaced
      names: {kind: BenchApp, plural: benchapps, singular: benchapp}
      versions:
      - name: v1alpha1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
  workflows:
    resource:
      configure:
      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: )" + kPipeline + R"(}
        spec:
          containers:
          - name: render
            image: localhost/pave-pipeline-utility:dev
            command: [sh, -c]
            args:
            - |
              printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\ndata: {size: small}\n' \
                "$KRATIX_OBJECT_NAME" > /kratix/output/configmap.yaml
)";
}

std::string request_name(int i) { return "app-" + std::to_string(i); }

bool condition_true(const kube::Json& o, const char* type) {
  for (const auto& c : kube::child(kube::child(o, "status"), "conditions")) {
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

// Counts, from watches (polling lists would load the API server being measured), the requests' Jobs
// (existing, Complete), Ready WorkPlacements and Reconciled requests in the namespace.
class Tracker {
 public:
  Tracker(const kube::Client& client, bool e2e) {
    watch(client, kube::resources::jobs(),
          std::string(api::kLabelPromiseName) + "=" + kPromise + ",kratix.io/workflow-type=resource",
          [this](const kube::Json& job) {
            if (jobs_.insert(kube::meta::name(job)).second && job_bytes_ == 0) job_bytes_ = job.dump().size();
            if (condition_true(job, "Complete")) complete_.insert(kube::meta::name(job));
            if (condition_true(job, "Failed")) failed_.insert(kube::meta::name(job));
          });
    if (!e2e) return;
    watch(client, api::work_placements(), "", [this](const kube::Json& wp) {
      if (condition_true(wp, "Ready")) placed_.insert(kube::meta::name(wp));
    });
    watch(client, kRequests, "", [this](const kube::Json& rr) {
      if (condition_true(rr, "Reconciled")) reconciled_.insert(kube::meta::name(rr));
    });
  }

  struct Counts {
    size_t jobs, complete, failed, placed, reconciled;
  };
  size_t job_bytes() {
    std::lock_guard lock(mu_);
    return job_bytes_;
  }
  Counts counts() {
    std::lock_guard lock(mu_);
    return {jobs_.size(), complete_.size(), failed_.size(), placed_.size(), reconciled_.size()};
  }

 private:
  void watch(const kube::Client& client, const kube::Resource& r, const std::string& selector,
             std::function<void(const kube::Json&)> seen) {
    auto& informer = informers_.emplace_back(
        std::make_unique<kube::Informer>(client, r,
                                         kube::InformerOptions{.namespace_ = "default", .label_selector = selector}));
    auto on = [this, seen](const kube::ObjectPtr& o) {
      std::lock_guard lock(mu_);
      seen(*o);
    };
    informer->add_handler({.on_add = on, .on_update = [on](const kube::ObjectPtr&, const kube::ObjectPtr& o) { on(o); }});
    informer->start();
    if (!informer->wait_for_sync(std::chrono::seconds(30))) die("informer of " + r.plural + " did not sync");
  }

  std::mutex mu_;
  std::set<std::string> jobs_, complete_, failed_, placed_, reconciled_;
  size_t job_bytes_ = 0;  // the JSON size of the first Job seen (managedFields stripped)
  std::vector<std::unique_ptr<kube::Informer>> informers_;
};

// Creates the N requests from 4 threads (as controller_bench creates its Works).
void create_requests(const kube::Client& client, int n) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < n; i += 4) {
        kube::Json rr = {{"apiVersion", kRequests.api_version()}, {"kind", kRequests.kind},
                         {"metadata", {{"name", request_name(i)}, {"namespace", "default"}}},
                         {"spec", {{"size", "small"}, {"index", i}}}};
        if (auto made = client.create(kRequests, "default", rr); !made) {
          std::fprintf(stderr, "create %s failed: %s\n", request_name(i).c_str(), made.error().to_string().c_str());
        }
      }
    });
  }
  for (auto& w : writers) w.join();
}

// CPU seconds of a process and of the children it has waited for (fields 14-17 of /proc/PID/stat): for
// the pod runner, its own work and the podman commands it runs (not conmon or the containers, which
// podman detaches).
double cpu_with_children(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long ticks = 0;
  for (int i = 3; fields >> f && i <= 17; ++i) {
    if (i >= 14) ticks += std::stol(f);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds the whole machine has been busy (all cores: /proc/stat's first line less idle and iowait).
double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long v[10] = {};
  in >> cpu;
  for (auto& x : v) in >> x;
  const long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];  // user nice system irq softirq steal
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int run(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "jobs";
  const int n = argc > 2 ? std::atoi(argv[2]) : 100;
  if ((mode != "jobs" && mode != "e2e") || n <= 0) die("usage: workflow_bench jobs|e2e [N]");
  const bool e2e = mode == "e2e";
  const char* workers_env = std::getenv("PAVE_BENCH_RUNNER_WORKERS");
  const int runner_workers = workers_env ? std::atoi(workers_env) : 4;
  std::fprintf(stderr, "load average at start: %s\n", load_average().c_str());

  if (e2e) {
    if (auto images = testing::build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY)) die("images: " + *images);
  }
  auto cluster = testing::LocalCluster::start("workflow-bench");
  if (!cluster) die(cluster.error());
  const auto& access = cluster->access();
  if (!access.kubectl({"apply", "-f", PAVE_CRD_DIR}).ok()) die("cannot apply CRDs");
  access.kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  access.kubectl({"create", "namespace", "kratix-platform-system"});
  auto git = testing::GitServer::start("kratix", "s3cr3t");
  if (!git) die(git.error());
  const std::string url = git->create_repo("state");
  auto dir = base::TempDir::create("workflow-bench").value();

  auto config = kube::load_kubeconfig({.paths = {access.kubeconfig}}).value();
  config.qps = 0;
  auto client = kube::make_client(config).value();
  auto applied = access.kubectl({"apply", "-f", "-"},
      "apiVersion: v1\nkind: Secret\nmetadata: {name: git, namespace: default}\n"
      "stringData: {username: kratix, password: s3cr3t}\n"
      "---\napiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\nmetadata: {name: state}\n"
      "spec:\n  url: " + url + "\n  secretRef: {name: git, namespace: default}\n"
      "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\n"
      "metadata: {name: worker-1, labels: {environment: dev}}\n"
      "spec: {path: worker-1, stateStoreRef: {kind: GitStateStore, name: state}}\n");
  if (!applied.ok()) die("cannot create the store and Destination: " + applied.err);

  // The controller with its default settings; the pipelines' adapter steps are localhost/pave:dev.
  std::vector<std::string> controller_argv{PAVE_BINARY, "controller", "--kubeconfig", access.kubeconfig, "--cache-dir",
                                           dir.path().string(), "--health-port", "-1",
                                           "--pipeline-adapter-image", "localhost/pave:dev"};
  std::string extra_args;
  if (const char* extra = std::getenv("PAVE_BENCH_CONTROLLER_ARGS")) {
    extra_args = extra;
    std::istringstream words(extra_args);
    for (std::string w; words >> w;) controller_argv.push_back(w);
  }
  auto controller = base::Child::spawn(controller_argv, {}, dir.path().string() + "/controller.log");
  if (!controller) die(controller.error());

  std::optional<base::Child> runner;
  const std::string node = "workflow-bench-" + std::to_string(getpid());
  if (e2e) {
    runner = base::Child::spawn({PAVE_POD_RUNNER, "run", "--kubeconfig", access.kubeconfig, "--node", node,
                                 "--state-dir", dir.path().string() + "/runner", "--workers", std::to_string(runner_workers)},
                                {}, dir.path().string() + "/runner.log")
                 .value();
    if (runner->read_line(std::chrono::seconds(60)) != "READY node=" + node) die("pod runner not ready");
  }

  // Stops the runner and the controller, removes the runner's containers and keeps the logs if asked.
  auto finish = [&] {
    if (runner) {
      runner->signal(SIGTERM);
      if (!runner->wait_for(std::chrono::seconds(30))) runner->signal(SIGKILL), runner->wait_for(std::chrono::seconds(5));
      // The pods' exited containers would outlive the cluster: remove this runner's (its Node's label only).
      const std::string mine = "podman ps -aq --filter label=io.pave.node=" + node;
      base::run({.argv = {"sh", "-c", mine + " | xargs -r podman rm -f >/dev/null"},
                 .timeout = std::chrono::minutes(10)});
    }
    controller->signal(SIGTERM);
    controller->wait_for(std::chrono::seconds(20));
    if (const char* keep = std::getenv("PAVE_BENCH_LOG_DIR")) {
      base::run({.argv = {"sh", "-c", "cp " + dir.path().string() + "/*.log " + keep}});
    }
  };

  auto wait_for = [&](const std::string& what, const std::function<bool()>& done) {
    if (!testing::eventually(done, std::chrono::seconds(120))) die("timed out waiting for " + what);
  };
  wait_for("the Destination", [&] {
    auto d = client.get(api::destinations(), "", "worker-1");
    return d && condition_true(*d, "Ready");
  });
  if (!access.kubectl({"apply", "-f", "-"}, promise_yaml()).ok()) die("cannot apply the Promise");
  wait_for("the Promise", [&] {
    auto p = client.get(api::promises(), "", kPromise);
    return p && kube::child(*p, "status").value("status", "") == "Available";
  });
  // The request controller is running once its API is served and the Promise says Available.
  wait_for("the request API", [&] { return client.list(kRequests, "default").has_value(); });

  // The API server holds the first write to a newly established CRD for about 2 s (a dry-run create too),
  // once; a dry-run create takes that before the clock starts, so it is not counted as the controller's.
  const auto warm = Clock::now();
  auto warmed = client.create(kRequests, "default",
                              {{"apiVersion", kRequests.api_version()}, {"kind", kRequests.kind},
                               {"metadata", {{"name", "warm-up"}, {"namespace", "default"}}}, {"spec", kube::Json::object()}},
                              {.dry_run = true});
  if (!warmed) die("dry-run create failed: " + warmed.error().to_string());
  std::fprintf(stderr, "first (dry-run) write to the request API: %.0f ms\n", seconds(Clock::now() - warm) * 1000);
  Tracker tracker(client, e2e);
  const double cpu_before = process_cpu_seconds(controller->pid());
  const std::string load_before = load_average();
  const auto start = Clock::now();
  create_requests(client, n);
  const double created_s = seconds(Clock::now() - start);

  // The moments each count reaches N.
  std::optional<double> jobs_at, complete_at, placed_at, reconciled_at, first_placed_at;
  const double runner_cpu_before = runner ? cpu_with_children(runner->pid()) : 0;
  const double machine_before = machine_busy_seconds();
  auto progress = Clock::now();
  const size_t want = static_cast<size_t>(n);
  for (;;) {
    const auto c = tracker.counts();
    const double now = seconds(Clock::now() - start);
    if (!jobs_at && c.jobs >= want) jobs_at = now;
    if (!complete_at && c.complete >= want) complete_at = now;
    if (!placed_at && c.placed >= want) placed_at = now;
    if (!first_placed_at && c.placed > 0) first_placed_at = now;
    if (!reconciled_at && c.reconciled >= want) reconciled_at = now;
    if (e2e ? (reconciled_at && placed_at) : jobs_at.has_value()) break;
    if (Clock::now() - progress > std::chrono::seconds(e2e ? 5 : 1)) {  // a timeline on stderr
      progress = Clock::now();
      std::fprintf(stderr, "%.1f s: %zu Jobs, %zu Complete, %zu Failed, %zu WorkPlacements Ready, %zu requests Reconciled\n",
                   now, c.jobs, c.complete, c.failed, c.placed, c.reconciled);
    }
    if (now > (e2e ? 3600 : 600)) {
      std::fprintf(stderr, "timed out: %zu Jobs, %zu Complete, %zu Failed, %zu Ready, %zu Reconciled\n", c.jobs, c.complete,
                   c.failed, c.placed, c.reconciled);
      finish();
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double total_s = e2e ? std::max(*placed_at, *reconciled_at) : *jobs_at;
  const double cpu_at_end = process_cpu_seconds(controller->pid()) - cpu_before;
  const double machine_cpu = machine_busy_seconds() - machine_before;
  // The controller goes on after the last Job exists (the requests' statuses, Events): its CPU until it
  // is idle (no CPU for a second) is the whole cost of the requests' reconciles up to here.
  double cpu_idle = cpu_at_end;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double now = process_cpu_seconds(controller->pid()) - cpu_before;
    if (now - cpu_idle < 0.011) break;
    cpu_idle = now;
  }
  const long rss_mb = process_peak_rss_kb(controller->pid()) / 1024;
  const double runner_cpu = runner ? cpu_with_children(runner->pid()) - runner_cpu_before : 0;
  const std::string load_after = load_average();

  std::string files_note;
  if (e2e) {
    const std::string clone = git->clone("state");
    int found = 0;
    for (int i = 0; i < n; ++i) {
      std::ifstream in(clone + "/worker-1/resources/default/" + kPromise + "/" + request_name(i) + "/" + kPipeline +
                       "/5058f/configmap.yaml");
      std::stringstream s;
      s << in.rdbuf();
      found += s.str().find("name: " + request_name(i) + ",") != std::string::npos;
    }
    auto commits = base::run({.argv = {"git", "-C", clone, "rev-list", "--count", "HEAD"}});
    files_note = std::to_string(found) + "/" + std::to_string(n) + " files on the remote, " +
                 commits.out.substr(0, commits.out.find('\n')) + " commits";
    if (found != n) std::fprintf(stderr, "MISSING FILES: %d of %d requests' files are on the remote\n", n - found, n);
  }

  std::printf("workflow_bench %s %d (controller defaults%s%s; %s): requests created in %.2f s\n", mode.c_str(), n,
              extra_args.empty() ? "" : " + ", extra_args.c_str(),
              e2e ? ("pod runner --workers " + std::to_string(runner_workers)).c_str() : "no pod runner", created_s);
  if (e2e) {
    std::printf("  all Jobs created %.2f s, first file on the remote %.2f s, all WorkPlacements Ready %.2f s, all Jobs Complete "
                "%.2f s, all requests Reconciled %.2f s\n",
                *jobs_at, *first_placed_at, *placed_at, complete_at ? *complete_at : -1.0, *reconciled_at);
    std::printf("  pod runner: %.0f ms CPU per request (itself and the podman commands it waited for)\n",
                runner_cpu * 1000 / n);
    std::printf("  %s\n", files_note.c_str());
  }
  std::printf("  one pipeline Job is %zu bytes of JSON (as first seen, managedFields stripped)\n", tracker.job_bytes());
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::printf("  whole machine: %.0f ms CPU per request, %.0f%% of its %ld cores busy on average (anything else running "
              "included)\n",
              machine_cpu * 1000 / n, 100 * machine_cpu / total_s / cores, cores);
  std::printf("| mode | N | seconds | requests/s | controller CPU ms/request (at the end / once idle) | peak RSS "
              "| Kratix's 179 s / this | load average before / after |\n");
  std::printf("| %s | %d | %.2f | %.1f | %.2f / %.2f | %ld MB | %.1fx | %s / %s |\n", mode.c_str(), n, total_s, n / total_s,
              cpu_at_end * 1000 / n, cpu_idle * 1000 / n, rss_mb, kKratixSeconds / total_s, load_before.c_str(),
              load_after.c_str());
  std::fflush(stdout);

  if (std::getenv("PAVE_BENCH_REQUESTS")) {  // what the API server was asked, by verb and resource
    auto metrics = access.kubectl({"get", "--raw", "/metrics"});
    std::istringstream lines(metrics.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("apiserver_request_total{", 0) != 0) continue;
      for (const char* r : {"benchapps", "jobs", "works", "workplacements", "events", "serviceaccounts", "roles",
                            "rolebindings", "clusterroles", "clusterrolebindings", "configmaps", "pods"}) {
        if (line.find(std::string("resource=\"") + r + "\"") != std::string::npos) std::fprintf(stderr, "%s\n", line.c_str());
      }
    }
  }
  finish();
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Fatal& f) {
    std::fprintf(stderr, "%s\n", f.why.c_str());
    return 1;
  }
}
