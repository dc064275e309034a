// The state-store layouts (statestore/layout.h) with names and file paths from anywhere: every path a
// change writes, removes or replaces stays inside its Destination's directory, in all three layouts.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "fuzz_check.h"
#include "statestore/layout.h"

namespace {

using namespace pave::statestore;

bool inside(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return dir.empty() || path == dir || path.starts_with(dir + "/");
}

void check_change(const std::string& dir, const Change& change) {
  for (const auto& f : change.files) pave::fuzz::check(inside(dir, f.path), "writes " + f.path + " outside " + dir);
  for (const auto& p : change.remove_files) pave::fuzz::check(inside(dir, p), "removes " + p + " outside " + dir);
  for (const auto& p : change.replace_directories) pave::fuzz::check(inside(dir, p), "replaces " + p + " outside " + dir);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const FilepathMode modes[] = {FilepathMode::kNestedByMetadata, FilepathMode::kAggregatedYAML, FilepathMode::kNone};
  DestinationLayout d{.name = in.ConsumeRandomLengthString(40), .path = in.ConsumeRandomLengthString(40),
                      .mode = modes[in.ConsumeIntegralInRange(0, 2)], .aggregated_filename = in.ConsumeRandomLengthString(30)};
  Placement p{.name = in.ConsumeRandomLengthString(40), .namespace_ = in.ConsumeRandomLengthString(20),
              .resource_namespace = in.ConsumeBool() ? in.ConsumeRandomLengthString(20) : "",
              .promise = in.ConsumeRandomLengthString(20), .resource = in.ConsumeRandomLengthString(20),
              .pipeline = in.ConsumeRandomLengthString(20), .group_id = in.ConsumeRandomLengthString(34)};
  const int workloads = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < workloads; ++i) p.workloads.push_back({in.ConsumeRandomLengthString(60), in.ConsumeRandomLengthString(20)});
  const std::optional<std::string> previous = in.ConsumeBool() ? std::optional(in.ConsumeRemainingBytesAsString()) : std::nullopt;

  auto dir = destination_dir(d);
  if (!dir) return 0;
  pave::fuzz::check(inside("", *dir) || dir->empty(), "destination directory " + *dir + " leaves the store");
  if (auto c = placement_change(d, p, previous)) check_change(*dir, *c);
  if (auto c = placement_removal(d, p, previous)) check_change(*dir, *c);
  if (auto c = aggregated_change(d, {p}, "fuzz")) check_change(*dir, *c);
  if (d.mode == FilepathMode::kNone) {
    if (auto s = state_file_path(d, p)) pave::fuzz::check(inside(*dir, *s), "state file " + *s + " outside " + *dir);
  }
  return 0;
}
