// Reading the small files pipelines leave behind, where a missing file means "nothing asked".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::adapter {

// The whole file, nothing when it does not exist, or an error naming the file when it cannot be read.
kube::Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& file);

// Writes text to file, replacing it.
kube::Status write_file(const std::filesystem::path& file, const std::string& text);

// A pipeline's metadata/status.yaml as a map: a missing or empty file is an empty one. Error: failed to
// unmarshal incoming status: <why>
kube::Result<kube::Json> read_incoming_status(const std::filesystem::path& file);

}  // namespace pave::adapter
