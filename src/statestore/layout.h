// Where a WorkPlacement's files go in a Destination's state store, in Kratix's three layouts
// (kratix-spec.md 4.3), as plain functions from names and workloads to a Change.
//
//   nestedByMetadata  <D>/dependencies/<promise>/<pipeline>/<id5>/<filepath>
//                     <D>/resources/<namespace>/<promise>/<resource>/<pipeline>/<id5>/<filepath>
//                     (the directory up to <id5> is rewritten wholesale)
//   aggregatedYAML    <D>/<filename>: every placement's workloads, sorted by placement name, joined by ---
//   none              <D>/<filepath>, and <D>/.kratix/<namespace>-<placement>.yaml listing the files written
//
// <D> is the Destination's path ("." or "/" is the store's root); <id5> the first five characters of the
// workload group id. Every name from a user becomes one path segment and must be one: a name with a
// slash, "." or ".." is refused, so nothing can leave the Destination's directory.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "statestore/writer.h"

namespace pave::statestore {

enum class FilepathMode { kNestedByMetadata, kAggregatedYAML, kNone };

// "nestedByMetadata", "aggregatedYAML", "none"; nothing for anything else.
std::optional<FilepathMode> parse_filepath_mode(const std::string& mode);

struct DestinationLayout {
  std::string name;
  std::string path;                                 // Destination spec.path
  FilepathMode mode = FilepathMode::kNestedByMetadata;
  std::string aggregated_filename = "aggregated.yaml";
};

struct Workload {
  std::string filepath;  // relative to the pipeline's /kratix/output, may contain directories
  std::string content;   // decompressed
};

struct Placement {
  std::string name;       // the WorkPlacement's name
  std::string namespace_; // the WorkPlacement's (and its Work's) namespace
  // The request's own namespace when its pipelines run in a Promise's pipelineNamespace (Kratix writes the
  // Work's there, where two requests of one name would overwrite each other); empty: namespace_.
  std::string resource_namespace;
  std::string promise;
  std::string resource;   // empty for promise dependencies
  std::string pipeline;   // empty for static dependencies
  std::string group_id;   // workload group id (md5 hex)
  std::vector<Workload> workloads;
};

// On a `none` Destination two placements may name the same file. The live placement whose key
// (namespace/name) sorts first owns it: it alone writes the file and lists it in its state file, and no
// placement removes a file another live one names. When the owner goes, the file stays until the next
// owner writes its own content there. So which content a shared file holds never depends on the order
// the reconciles ran in. (Kratix lets the last write win and deletes the file when either placement goes.)
struct OtherPlacements {
  std::set<std::string> owned;  // store paths named by a live placement that sorts before this one
  std::set<std::string> named;  // store paths named by any other live placement
};

// The Destination's directory within its store (below the store's own path): d.path without leading and
// trailing slashes, "" for the store's root ("", "." or "/"). A path that would leave the store is an error.
kube::Result<std::string> destination_dir(const DestinationLayout& d);

// For kNone: the store paths workload filepaths are written to (an invalid filepath is an error).
kube::Result<std::vector<std::string>> none_layout_paths(const DestinationLayout& d, const std::vector<std::string>& filepaths);

// The change that makes the store hold placement's files now. For kNone, previous_state is the content of
// the placement's state file as the store has it (its files no longer written are removed), and others
// what the Destination's other placements name.
kube::Result<Change> placement_change(const DestinationLayout& d, const Placement& p,
                                      const std::optional<std::string>& previous_state = std::nullopt,
                                      const OtherPlacements& others = {});

// For kNone: where the placement's state file (the list of files it wrote) lives in the store.
kube::Result<std::string> state_file_path(const DestinationLayout& d, const Placement& p);

// The change that removes everything placement wrote (its WorkPlacement is being deleted).
kube::Result<Change> placement_removal(const DestinationLayout& d, const Placement& p,
                                       const std::optional<std::string>& previous_state = std::nullopt,
                                       const OtherPlacements& others = {});

// For kAggregatedYAML: the one file holding every live placement of the Destination (removed when none).
kube::Result<Change> aggregated_change(const DestinationLayout& d, std::vector<Placement> live, const std::string& change_name);

// The canary files that show a Destination reads its store (removed when initWorkloads is disabled).
kube::Result<Change> canary_change(const DestinationLayout& d, bool enabled);

// Workload content as a Work carries it: gzip, then standard base64.
// The most one workload may decompress to (64 MiB): a Work's gzip can claim far more than the API server
// would ever hold, and a writer must not exhaust its memory on one bad Work.
inline constexpr size_t kMaxWorkloadSize = 64u << 20;

// Errors: "workload content is not base64", "... is not gzip", "... is larger than 67108864 bytes".
kube::Result<std::string> decode_workload_content(const std::string& base64_gzip);
std::string encode_workload_content(const std::string& content);

}  // namespace pave::statestore
