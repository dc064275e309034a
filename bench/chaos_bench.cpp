// The chaos harness (test/support/chaos_harness.h) at bench length: `pave controller` SIGKILLed KILLS times
// (default 100) while WORKS Works (default 1,000) roll out to 10 Destinations, then every file checked;
// then every Work deleted with a quarter as many kills, and the store checked to hold only the canaries.
// With --replicas, two controllers with leader election, each kill the leader's (Lease 4 s, from the Kratix
// config), and the takeover times printed.
//
//   chaos_bench [KILLS] [WORKS] [--replicas] [--seed N] [--requests]
//
// With --requests, WORKS resource requests instead (run_request_chaos), their pipelines run by
// pave-pod-runner with this build's images: the workflow layer under the same kills.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "base/temp_dir.h"
#include "support/chaos_harness.h"
#include "support/cluster.h"
#include "support/git_server.h"
#include "support/pod_runner.h"

int main(int argc, char** argv) {
  using namespace pave;
  testing::ChaosOptions o{.kills = 100};
  bool requests = false;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--replicas") o.replicas = true;
    else if (arg == "--requests") requests = true;
    else if (arg == "--seed" && i + 1 < argc) o.seed = static_cast<uint32_t>(std::stoul(argv[++i]));
    else if (positional++ == 0) o.kills = std::stoi(arg);
    else o.works = std::stoi(arg);
  }
  o.deletion_kills = o.kills / 4;
  // Requests went through the chaos run at about 23 a minute on 2 cores (bench/README.md): 1,000 need some
  // 45 minutes, so a large run gets 5 s a request.
  if (requests) o.settle_timeout = std::max<std::chrono::seconds>(std::chrono::minutes(40), o.works * std::chrono::seconds(5));
  auto cluster = testing::LocalCluster::start("chaos-bench");
  if (!cluster) return std::fprintf(stderr, "%s\n", cluster.error().c_str()), 1;
  const auto& access = cluster->access();
  if (!access.kubectl({"apply", "-f", PAVE_CRD_DIR}).ok()) return std::fprintf(stderr, "cannot apply CRDs\n"), 1;
  access.kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  access.kubectl({"create", "namespace", "kratix-platform-system"});
  auto git = testing::GitServer::start("kratix", "s3cr3t");
  if (!git) return std::fprintf(stderr, "%s\n", git.error().c_str()), 1;
  auto dir = base::TempDir::create("chaos-bench").value();
  std::optional<testing::PodRunner> runner;
  if (requests) {
    if (auto failed = testing::build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY)) return std::fprintf(stderr, "%s\n", failed->c_str()), 1;
    runner.emplace(PAVE_POD_RUNNER, "chaos-bench-node");
    // Its pods' volumes apart from the controllers' caches, which a stalled run searches for lock files.
    std::filesystem::create_directories(dir.path() / "runner");
    if (auto failed = runner->start(access.kubeconfig, (dir.path() / "runner").string())) {
      return std::fprintf(stderr, "%s\n", failed->c_str()), 1;
    }
  }
  std::printf("seed %u, %d + %d kills, %d %s on %d Destinations%s\n", o.seed, o.kills, o.deletion_kills, o.works,
              requests ? "resource requests" : "Works", o.destinations, o.replicas ? ", two replicas (kills go to the leader)" : "");
  const auto r = requests ? testing::run_request_chaos(access, *git, PAVE_BINARY, dir.path().string(), o)
                          : testing::run_chaos(access, *git, PAVE_BINARY, dir.path().string(), o);
  std::printf("%s\n", r.summary().c_str());
  if (o.replicas) {
    std::printf("takeovers (ms):");
    for (auto t : r.takeovers) std::printf(" %lld", static_cast<long long>(t.count()));
    std::printf("\n");
  }
  return r.clean() ? 0 : 1;
}
