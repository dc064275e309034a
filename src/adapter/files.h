// Reading the small files pipelines leave behind, where a missing file means "nothing asked".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "kube/error.h"

namespace pave::adapter {

// The whole file, nothing when it does not exist, or an error naming the file when it cannot be read.
kube::Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& file);

// Writes text to file, replacing it.
kube::Status write_file(const std::filesystem::path& file, const std::string& text);

}  // namespace pave::adapter
