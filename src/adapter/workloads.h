// A pipeline's output tree as Work workloads (kratix-spec.md 3.2, 3.5): every regular file under the
// output directory, its path relative to that directory ("dest2/app.yaml"), its content gzip+base64.
//
// Symbolic links, and anything that is neither a file nor a directory, are refused with a message naming
// the path: a link could make the Work carry files from outside the pipeline's output (Kratix follows
// them; Pave does not).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::adapter {

struct Workload {
  std::string filepath;  // relative to the output root, '/'-separated
  std::string content;   // gzip, then base64
};

// The files under root/directory ("." for root itself), in Kratix's order (names sorted, depth first),
// skipping the top-level directories named in skip (they are other workload groups).
kube::Result<std::vector<Workload>> read_workloads(const std::filesystem::path& root, const std::string& directory,
                                                   const std::vector<std::string>& skip = {});

// {"filepath": ..., "content": ...} for each workload.
kube::Json workloads_json(const std::vector<Workload>& workloads);

}  // namespace pave::adapter
