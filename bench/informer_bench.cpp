// The kube runtime against a real API server (a cluster this program starts), printing its figures:
//   - events per second a watch decodes straight from the API server (10,000 ConfigMaps replayed)
//   - informer memory per 10,000 ConfigMaps, full objects and metadata-only
// Usage: informer_bench [COUNT]   (default 10000)
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "kube/client.h"
#include "kube/informer.h"
#include "kube/watch.h"
#include "support/cluster.h"

namespace {

using namespace pave;
using Clock = std::chrono::steady_clock;

long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

long settled_rss_kib() {
  malloc_trim(0);
  return rss_kib();
}

// Bytes of heap in use (allocated and not freed): what the cache holds, without allocator slack.
double heap_in_use_mib() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 10000;
  auto cluster = testing::LocalCluster::start("bench");
  if (!cluster) {
    std::fprintf(stderr, "%s\n", cluster.error().c_str());
    return 1;
  }
  auto config = kube::load_kubeconfig({.paths = {cluster->access().kubeconfig}}).value();
  config.qps = 0;
  auto client = kube::make_client(config).value();
  const std::string ns = "bench";
  client.create(kube::resources::namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});

  // ConfigMaps with a label and ~250 bytes of data, written by 4 threads.
  auto start = Clock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < count; i += 4) {
        kube::Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                         {"metadata", {{"name", "cm-" + std::to_string(i)}, {"labels", {{"app", "bench"}}}}},
                         {"data", {{"a", std::string(200, 'x')}, {"b", "value-" + std::to_string(i)}}}};
        client.create(kube::resources::configmaps(), ns, cm);
      }
    });
  }
  for (auto& w : writers) w.join();
  std::printf("created %d ConfigMaps in %.1f s\n", count, std::chrono::duration<double>(Clock::now() - start).count());

  // Watch decode rate from the server: a watch from resourceVersion 0 replays every object as ADDED.
  std::atomic<bool> cancel{false};
  int events = 0;
  start = Clock::now();
  auto watched = kube::watch(client, kube::resources::configmaps(), ns, {.resource_version = "0", .timeout_seconds = 60},
                             [&](kube::WatchEvent&&) { return ++events < count; }, cancel);
  const double watch_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("watch: %d events in %.3f s = %.0f events/s (server and decode together)%s\n", events, watch_s,
              events / watch_s, watched ? "" : (" error: " + watched.error().to_string()).c_str());

  for (bool metadata_only : {false, true}) {
    const long before = settled_rss_kib();
    const double heap_before = heap_in_use_mib();
    start = Clock::now();
    {
      kube::Informer informer(client, kube::resources::configmaps(), {.namespace_ = ns, .metadata_only = metadata_only});
      informer.start();
      informer.wait_for_sync(std::chrono::minutes(5));
      const double sync_s = std::chrono::duration<double>(Clock::now() - start).count();
      const long after = settled_rss_kib();
      const double heap = heap_in_use_mib() - heap_before;
      const auto n = static_cast<double>(informer.store().size());
      std::printf("informer%s: %zu objects synced in %.2f s; heap in use %.1f MiB (%.0f bytes per object); "
                  "RSS +%.1f MiB\n",
                  metadata_only ? " (metadata-only)" : "", informer.store().size(), sync_s, heap,
                  heap * 1024 * 1024 / n, (after - before) / 1024.0);
      informer.stop();
    }
  }
  return 0;
}
