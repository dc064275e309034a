// BucketWriter against s3rver (a real S3 server that verifies signatures) on loopback: WorkPlacements written
// per second as their number grows, and the same placements written again unchanged (every PUT skipped
// because the ETag already matches). Usage: bucket_writer_bench

#include <chrono>
#include <cstdio>

#include "process_stats.h"
#include "statestore/bucket_writer.h"
#include "support/s3_server.h"

namespace {

using namespace pave::bench;

using namespace pave;
using Clock = std::chrono::steady_clock;


statestore::Change change(int i) {
  const std::string dir = "worker-" + std::to_string(i % 100) + "/resources/default/app/r" + std::to_string(i) + "/configure/5058f";
  return {.placement = "app-r" + std::to_string(i), .replace_directories = {dir},
          .files = {{dir + "/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r" + std::to_string(i) + "}\n"}}};
}

void run(statestore::BucketWriter& writer, int count, const char* what) {
  const double cpu_before = cpu_seconds();
  const int puts_before = writer.puts();
  const auto start = Clock::now();
  std::vector<std::future<kube::Result<statestore::WriteResult>>> done;
  for (int i = 0; i < count; ++i) done.push_back(writer.submit(change(i)));
  for (auto& f : done) {
    if (!f.get()) std::fprintf(stderr, "write failed\n");
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%6d WorkPlacements %s: %.2f s, %.0f per second, %d PUTs, %.2f ms CPU each\n", count, what, s, count / s,
              writer.puts() - puts_before, (cpu_seconds() - cpu_before) * 1000 / count);
}

}  // namespace

int main() {
  for (int count : {100, 1000}) {
    auto server = testing::S3Server::start("kratix");
    if (!server) {
      std::fprintf(stderr, "%s\n", server.error().c_str());
      return 1;
    }
    auto writer = statestore::BucketWriter::open({.endpoint = server->endpoint(), .bucket = "kratix", .insecure = true,
                                                  .access_key_id = testing::S3Server::kAccessKey,
                                                  .secret_access_key = testing::S3Server::kSecret});
    if (!writer) {
      std::fprintf(stderr, "%s\n", writer.error().to_string().c_str());
      return 1;
    }
    run(**writer, count, "written");
    run(**writer, count, "unchanged");
  }
  return 0;
}
