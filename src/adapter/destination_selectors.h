// Where a pipeline's output may go (kratix-spec.md 3.5, 4.2): metadata/destination-selectors.yaml, written
// by the pipeline, and kratix-system/promise-scheduling, the Promise's own selectors mounted from the
// destination-selectors-<promise> ConfigMap.
//
//   # destination-selectors.yaml: a list; an entry without a directory is for the default group "."
//   - matchLabels: {environment: production}
//   - directory: dest2
//     matchLabels: {environment: staging}
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"

namespace pave::adapter {

using Labels = std::map<std::string, std::string>;

struct DestinationSelector {
  std::string directory;  // path-cleaned: "" and "./" become ".", "baz/" becomes "baz"
  Labels match_labels;
};

// Parses destination-selectors.yaml with Kratix's rules and messages: every entry needs matchLabels
// ("invalid destination-selectors.yaml: entry with index 1 has no selectors"), directories are unique
// ("duplicate entries in destination-selectors.yaml: ...") and top-level ("invalid directory in
// destination-selectors.yaml: foo/bar, sub-directories are not allowed"). Beyond Kratix, a directory
// that leaves the output directory ("..", "/") is refused too.
kube::Result<std::vector<DestinationSelector>> parse_destination_selectors(std::string_view yaml);

// One entry of the promise-scheduling file: matchLabels and their source ("promise" or "promise-workflow").
struct PromiseSelector {
  Labels match_labels;
  std::string source;
};

kube::Result<std::vector<PromiseSelector>> parse_promise_scheduling(std::string_view yaml);

// Kratix's SquashPromiseScheduling: the union of the entries' labels, where an earlier entry wins a key.
Labels squash(const std::vector<Labels>& entries);

// Go's filepath.Clean for '/'-separated paths: "" is ".", "a//b/./c/.." is "a/b", "/../x" is "/x".
std::string clean_path(std::string_view path);

}  // namespace pave::adapter
