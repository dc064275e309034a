// A directory that exists for the lifetime of one object.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace pave::base {

// Creates a fresh directory under $TMPDIR (or /tmp) named after prefix, and removes it with everything
// inside when destroyed.
class TempDir {
 public:
  static std::expected<TempDir, std::string> create(std::string_view prefix);
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace pave::base
