// GitWriter against a real Git server over https on loopback (git-http-backend behind nginx):
//   1. the Kratix comparison: 1,000 WorkPlacements on 100 Destinations, time until every file is on the
//      remote, commits, CPU per WorkPlacement, peak RSS of this process;
//   2. WorkPlacements per second as their number grows (100, 1,000, 10,000);
//   3. the cost of one write as the repository grows (1 MB, 100 MB, 1 GB of existing history);
//   4. opening a writer on the largest with a cold cache, in a fresh process, history fetched by the git
//      command or by libgit2.
// Usage: git_writer_bench [--max-repo-mb N]   (default 1024)

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "process_stats.h"
#include "base/subprocess.h"
#include "statestore/git_writer.h"
#include "support/git_server.h"

namespace {

using namespace pave::bench;

using namespace pave;
using Clock = std::chrono::steady_clock;



// A WorkPlacement's change: one ~1 KB manifest in its own directory on its Destination.
statestore::Change change(int i, int destinations, const std::string& round = "") {
  const std::string dest = "worker-" + std::to_string(i % destinations);
  const std::string dir = dest + "/resources/default/redis/r" + std::to_string(i) + "/configure/5058f";
  std::string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r" + std::to_string(i) + round + "\ndata:\n";
  for (int k = 0; k < 20; ++k) yaml += "  key" + std::to_string(k) + ": value-" + std::to_string(i * 31 + k) + round + "\n";
  return {.placement = "redis-r" + std::to_string(i) + "." + dest + "-5058f", .replace_directories = {dir},
          .files = {{dir + "/configmap.yaml", yaml}}};
}

struct Run {
  double seconds;
  double cpu_ms_per_wp;
  int commits;
};

Run write_all(statestore::GitWriter& writer, int count, int destinations, const std::string& round) {
  const int commits_before = writer.commits();
  const double cpu_before = cpu_seconds();
  const auto start = Clock::now();
  std::vector<std::future<kube::Result<statestore::WriteResult>>> done;
  done.reserve(count);
  for (int i = 0; i < count; ++i) done.push_back(writer.submit(change(i, destinations, round)));
  for (auto& f : done) {
    auto r = f.get();
    if (!r) {
      std::fprintf(stderr, "write failed: %s\n", r.error().to_string().c_str());
      std::exit(1);
    }
  }
  return {std::chrono::duration<double>(Clock::now() - start).count(), (cpu_seconds() - cpu_before) * 1000 / count,
          writer.commits() - commits_before};
}

// Pushes `mb` megabytes of incompressible history to the repository (one commit of 1 MB files) with git.
void grow_repository(const testing::GitServer& server, const std::string& name, int mb) {
  const std::string work = server.clone(name);
  const std::string script = "cd " + work + " && mkdir -p bulk && for i in $(seq 1 " + std::to_string(mb) +
                             "); do head -c 1048576 /dev/urandom > bulk/blob-$RANDOM-$i; done && "
                             "git add bulk && git -c user.name=bench -c user.email=b@b commit -qm bulk && "
                             "git push -q origin HEAD:main";
  auto out = base::run({.argv = {"sh", "-c", script}, .timeout = std::chrono::minutes(30)});
  if (!out.ok()) {
    std::fprintf(stderr, "growing the repository failed: %s\n", out.err.c_str());
    std::exit(1);
  }
}

}  // namespace

// --cold-open URL CA_FILE CACHE_DIR git-command|libgit2: opens one writer and prints how long it took and
// this process's peak RSS (the pieces of part 4, each in a fresh process).
int cold_open(char** argv) {
  const std::string ca = base::run({.argv = {"cat", argv[3]}}).out;
  const auto start = Clock::now();
  auto w = statestore::GitWriter::open({.url = argv[2], .username = "kratix", .password = "s3cr3t", .ca_bundle = ca,
                                        .first_fetch_by_git_command = std::strcmp(argv[5], "git-command") == 0},
                                       argv[4]);
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().to_string().c_str());
    return 1;
  }
  // VmHWM, not getrusage: a process keeps the maxrss of the one it was spawned from across exec.
  std::printf("history fetched by %s: writer open in %.1f s, the writer process's peak RSS %ld MB\n",
              (*w)->first_fetch_by_git_command() ? "the git command (a child process)" : "libgit2 (in process)",
              std::chrono::duration<double>(Clock::now() - start).count(), process_peak_rss_kb(getpid()) / 1024);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 6 && std::strcmp(argv[1], "--cold-open") == 0) return cold_open(argv);
  int max_repo_mb = 1024;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--max-repo-mb") == 0) max_repo_mb = std::atoi(argv[i + 1]);
  }
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().c_str());
    return 1;
  }
  auto cache = base::TempDir::create("git-bench").value();
  auto open = [&](const std::string& repo) {
    server->create_repo(repo);
    auto w = statestore::GitWriter::open({.url = server->https_url(repo), .username = "kratix", .password = "s3cr3t",
                                          .ca_bundle = server->ca_pem()},
                                         cache.path().string() + "/" + repo);
    if (!w) {
      std::fprintf(stderr, "%s\n", w.error().to_string().c_str());
      std::exit(1);
    }
    return std::move(*w);
  };

  // 1. The Kratix comparison.
  {
    auto writer = open("kratix-comparison");
    Run r = write_all(*writer, 1000, 100, "");
    std::printf("1,000 WorkPlacements on 100 Destinations over https: all on the remote in %.2f s, %d commits, "
                "%.2f ms CPU per WorkPlacement, peak RSS %ld MB\n",
                r.seconds, r.commits, r.cpu_ms_per_wp, peak_rss_mb());
    Run again = write_all(*writer, 1000, 100, "-v2");
    std::printf("  the same 1,000 updated: %.2f s, %d commits, %.2f ms CPU per WorkPlacement\n", again.seconds,
                again.commits, again.cpu_ms_per_wp);
  }

  // 2. Throughput as the number of WorkPlacements grows.
  for (int count : {100, 1000, 10000}) {
    auto writer = open("count-" + std::to_string(count));
    Run r = write_all(*writer, count, 100, "");
    std::printf("%6d WorkPlacements: %.2f s, %.0f WorkPlacements/s, %d commits, %.2f ms CPU each\n", count, r.seconds,
                count / r.seconds, r.commits, r.cpu_ms_per_wp);
  }

  // 3. One write's cost as the repository grows: 20 single-WorkPlacement writes (a commit and a push each).
  {
    const std::string repo = "growing";
    server->create_repo(repo);
    int grown = 0;
    for (int target : {1, 100, 1024}) {
      if (target > max_repo_mb) break;
      grow_repository(*server, repo, target - grown);
      grown = target;
      auto w = statestore::GitWriter::open({.url = server->https_url(repo), .username = "kratix", .password = "s3cr3t",
                                            .ca_bundle = server->ca_pem()},
                                           cache.path().string() + "/growing");  // reopens: fetches only what is new
      if (!w) {
        std::fprintf(stderr, "%s\n", w.error().to_string().c_str());
        return 1;
      }
      std::vector<double> ms;
      const double cpu_before = cpu_seconds();
      for (int i = 0; i < 20; ++i) {
        const auto start = Clock::now();
        auto r = (*w)->submit(change(i, 10, "-" + std::to_string(target))).get();
        if (!r) return 1;
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
      std::sort(ms.begin(), ms.end());
      std::printf("repository ~%4d MB: one write (commit + push) median %.1f ms, max %.1f ms, %.2f ms CPU; this process's "
                  "peak RSS (VmHWM) %ld MB, its getrusage maxrss %ld MB\n", target,
                  ms[ms.size() / 2], ms.back(), (cpu_seconds() - cpu_before) * 1000 / 20, process_peak_rss_kb(getpid()) / 1024,
                  peak_rss_mb());
    }
    // 4. Opening a writer on the largest repository with a cold cache (a new controller, a new store), each
    // in a process of its own so its peak memory is its own: the history fetched by the git command in a
    // child process (the default), then by libgit2 in the writer's process.
    for (const char* how : {"git-command", "libgit2"}) {
      auto run = base::run({.argv = {"/proc/self/exe", "--cold-open", server->https_url(repo), server->ca_file(),
                                     cache.path().string() + "/cold-" + how, how},
                            .timeout = std::chrono::minutes(30)});
      std::printf("repository ~%4d MB, cold cache, %s", grown, run.ok() ? run.out.c_str() : ("failed: " + run.err + "\n").c_str());
    }
  }
  return 0;
}
