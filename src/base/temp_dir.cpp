#include "base/temp_dir.h"

#include <cstdlib>
#include <cerrno>
#include <string>
#include <system_error>

namespace pave::base {

std::expected<TempDir, std::string> TempDir::create(std::string_view prefix) {
  const char* root = std::getenv("TMPDIR");
  std::string pattern = std::string(root && *root ? root : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return std::unexpected("mkdtemp " + pattern + ": " + std::generic_category().message(errno));
  }
  return TempDir(std::filesystem::path(pattern));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace pave::base
