// Pave installed in a cluster by its Helm chart (as helm_install_test does: two pod-runner Nodes with
// addresses of their own, aggregator routing for the webhooks), measured from outside:
//   - the image's size;
//   - each replica's resident memory (VmRSS of its process) at rest, 30 s after both are Ready;
//   - the leader's and the standby's after N resource requests (default 1,000) of one Promise are all
//     Reconciled, and how long that took from the first create.
//
//   in_cluster_bench [N] [--pipelines]
//
// Without --pipelines the Promise has no resource workflow, so what grows is Pave's own caches and work
// (requests, ResourceBindings); with it, each request also runs a one-container pipeline on the pod
// runners and writes a Work (and the benchmark takes minutes per hundred requests on two cores).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/client.h"
#include "kube/object.h"
#include "support/cluster.h"
#include "support/pod_runner.h"

namespace {

using namespace pave;
using Clock = std::chrono::steady_clock;

const std::string kNs = "kratix-platform-system";
const kube::Resource kRequests{"bench.kratix.io", "v1alpha1", "benchapps", "BenchApp", true};

struct Fatal {
  std::string why;
};
[[noreturn]] void die(const std::string& why) { throw Fatal{why}; }

std::string promise_yaml(bool pipelines) {
  std::string yaml = R"(apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata: {name: benchapp}
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
)";
  if (!pipelines) return yaml;
  return yaml + R"(  workflows:
    resource:
      configure:
      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: instance}
        spec:
          containers:
          - name: render
            image: localhost/pave-pipeline-utility:dev
            command: [sh, -c]
            args:
            - |
              printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\n' "$KRATIX_OBJECT_NAME" \
                > /kratix/output/configmap.yaml
)";
}

// VmRSS of the process of the pod's container, in MiB.
double pod_rss_mib(const testing::ClusterAccess& cluster, const std::string& pod) {
  const std::string uid = cluster.kubectl({"get", "pod", "-n", kNs, pod, "-o", "jsonpath={.metadata.uid}"}).out;
  auto id = base::run({.argv = {"podman", "ps", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out;
  id = id.substr(0, id.find('\n'));
  auto pid = base::run({.argv = {"podman", "inspect", "--format", "{{.State.Pid}}", id}}).out;
  std::ifstream in("/proc/" + pid.substr(0, pid.find('\n')) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  }
  die("no VmRSS for pod " + pod);
}

std::string leader(const testing::ClusterAccess& cluster) {
  return cluster.kubectl({"get", "lease", "-n", kNs, "pave-controller", "-o", "jsonpath={.spec.holderIdentity}"}).out;
}

std::vector<std::string> pods(const testing::ClusterAccess& cluster) {
  std::istringstream names(cluster.kubectl({"get", "pods", "-n", kNs, "-l", "control-plane=controller-manager", "-o",
                                            "jsonpath={.items[*].metadata.name}"}).out);
  return {std::istream_iterator<std::string>(names), std::istream_iterator<std::string>()};
}

void report_memory(const testing::ClusterAccess& cluster, const char* when) {
  const std::string lead = leader(cluster);
  for (const auto& p : pods(cluster)) {
    std::printf("%-34s %-8s %6.1f MiB  (%s)\n", when, p == lead ? "leader" : "standby", pod_rss_mib(cluster, p), p.c_str());
  }
}

void run(int n, bool pipelines) {
  auto addresses = testing::NodeAddresses::add(2, 2);
  if (!addresses) die(addresses.error());
  auto cluster = testing::LocalCluster::start("in-cluster-bench", {.apiserver_args = {"--enable-aggregator-routing=true"}});
  if (!cluster) die(cluster.error());
  const testing::ClusterAccess& access = cluster->access();
  if (auto failed = testing::build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY)) die(*failed);
  auto dir = base::TempDir::create("in-cluster-bench").value();
  testing::PodRunner a(PAVE_POD_RUNNER, "bench-node-a", "198.18.0.2"), b(PAVE_POD_RUNNER, "bench-node-b", "198.18.0.3");
  for (auto* r : {&a, &b}) {
    std::filesystem::create_directories(dir.path() / r->node());
    if (auto failed = r->start(access.kubeconfig, (dir.path() / r->node()).string())) die(*failed);
  }
  const std::string home = dir.path().string();
  auto helm = base::run({.argv = {std::string(PAVE_HELM_BIN) + "/helm", "install", "pave", PAVE_CHART_DIR, "--namespace", kNs,
                                  "--create-namespace", "--wait", "--timeout", "5m", "--kubeconfig", access.kubeconfig},
                         .env = {{"HELM_CACHE_HOME", home + "/h"}, {"HELM_CONFIG_HOME", home + "/h"}, {"HELM_DATA_HOME", home + "/h"}},
                         .timeout = std::chrono::minutes(6)});
  if (!helm.ok()) die("helm install: " + helm.out + helm.err);

  auto size = base::run({.argv = {"podman", "image", "inspect", "--format", "{{.Size}}", "localhost/pave:dev"}}).out;
  std::printf("image localhost/pave:dev          %6.1f MB\n", std::stod(size) / 1e6);
  std::this_thread::sleep_for(std::chrono::seconds(30));
  report_memory(access, "at rest (30 s after Ready)");

  if (!access.kubectl({"apply", "-f", "-"}, promise_yaml(pipelines)).ok()) die("promise not applied");
  for (int i = 0; i < 600 && access.kubectl({"get", "promise", "benchapp", "-o", "jsonpath={.status.status}"}).out != "Available"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto config = kube::load_kubeconfig({.paths = {access.kubeconfig}}).value();
  config.qps = 0;
  auto client = kube::make_client(config).value();
  const auto start = Clock::now();
  std::atomic<int> next{0};
  std::vector<std::thread> creators;
  for (int t = 0; t < 8; ++t) {
    creators.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        kube::Json rr = {{"apiVersion", "bench.kratix.io/v1alpha1"}, {"kind", "BenchApp"},
                         {"metadata", {{"name", "app-" + std::to_string(i)}, {"namespace", "default"}}},
                         {"spec", {{"size", "small"}}}};
        if (auto made = client.create(kRequests, "default", rr); !made) std::fprintf(stderr, "create: %s\n", made.error().message.c_str());
      }
    });
  }
  for (auto& t : creators) t.join();
  int reconciled = 0;
  while (reconciled < n) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto all = client.list_all(kRequests, "default");
    if (!all) continue;
    reconciled = 0;
    for (const auto& rr : all->items) {
      for (const auto& c : kube::child(kube::child(rr, "status"), "conditions")) {
        if (c.value("type", "") == "Reconciled" && c.value("status", "") == "True") ++reconciled;
      }
    }
    if (Clock::now() - start > std::chrono::minutes(pipelines ? 60 : 10)) die("only " + std::to_string(reconciled) + " Reconciled");
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%d requests Reconciled in         %6.1f s (%s)\n", n, took, pipelines ? "one pipeline each" : "no workflow");
  report_memory(access, ("with " + std::to_string(n) + " requests").c_str());

  base::run({.argv = {std::string(PAVE_HELM_BIN) + "/helm", "uninstall", "pave", "--namespace", kNs, "--wait",
                      "--kubeconfig", access.kubeconfig},
             .env = {{"HELM_CACHE_HOME", home + "/h"}, {"HELM_CONFIG_HOME", home + "/h"}, {"HELM_DATA_HOME", home + "/h"}}});
  for (auto* r : {&a, &b}) {
    r->stop();
    r->remove_containers();
  }
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  bool pipelines = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--pipelines") pipelines = true;
    else n = std::stoi(arg);
  }
  try {
    run(n, pipelines);
  } catch (const Fatal& f) {
    std::fprintf(stderr, "in_cluster_bench: %s\n", f.why.c_str());
    return 1;
  }
  return 0;
}
