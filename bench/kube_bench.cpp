// Microbenchmarks of the kube runtime's hot paths (Google Benchmark):
//   BM_WatchDecode      events decoded per second from a watch stream held in memory
//   BM_WorkQueue        keys through add/get/done per second, with several workers
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "kube/watch.h"
#include "kube/work_queue.h"

namespace pave::kube {
namespace {

// A watch stream of n MODIFIED ConfigMap events shaped like the API server's (about 600 bytes each).
std::string watch_stream(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    Json event = {{"type", "MODIFIED"},
                  {"object", {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                              {"metadata", {{"name", "cm-" + std::to_string(i)}, {"namespace", "bench"},
                                            {"uid", "3f1c2b9e-1c8a-4c57-9b0e-" + std::to_string(100000000000 + i)},
                                            {"resourceVersion", std::to_string(1000 + i)},
                                            {"creationTimestamp", "2026-11-25T10:00:00Z"},
                                            {"labels", {{"app", "bench"}, {"tier", "backend"}}},
                                            {"managedFields", Json::array({{{"manager", "kubectl"}, {"operation", "Update"},
                                                                             {"apiVersion", "v1"}, {"fieldsType", "FieldsV1"},
                                                                             {"fieldsV1", {{"f:data", {{".", Json::object()}, {"f:a", Json::object()}}}}}}})}}},
                              {"data", {{"a", std::string(200, 'x')}, {"b", "value"}}}}}};
    out += event.dump() + "\n";
  }
  return out;
}

void BM_WatchDecode(benchmark::State& state) {
  const int n = 1000;
  const std::string stream = watch_stream(n);
  const size_t chunk = 16 * 1024;  // what curl typically hands over
  int64_t decoded = 0;
  for (auto _ : state) {
    WatchDecoder decoder;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      decoder.feed(std::string_view(stream).substr(off, chunk), [&](WatchEvent&& e) {
        benchmark::DoNotOptimize(e);
        ++decoded;
      });
    }
  }
  state.SetItemsProcessed(decoded);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(stream.size()));
}
BENCHMARK(BM_WatchDecode)->Unit(benchmark::kMillisecond);

void BM_WorkQueue(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const int keys = 10000;
  int64_t processed_total = 0;
  for (auto _ : state) {
    WorkQueue q;
    std::atomic<int> processed{0};
    std::vector<std::thread> ts;
    for (int w = 0; w < workers; ++w) {
      ts.emplace_back([&] {
        while (auto k = q.get()) {
          ++processed;
          q.done(*k);
        }
      });
    }
    for (int i = 0; i < keys; ++i) q.add("ns/obj-" + std::to_string(i));
    while (processed.load() < keys) std::this_thread::yield();
    q.shut_down();
    for (auto& t : ts) t.join();
    processed_total += processed.load();
  }
  state.SetItemsProcessed(processed_total);
}
BENCHMARK(BM_WorkQueue)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace pave::kube

BENCHMARK_MAIN();
