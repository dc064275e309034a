#include "statestore/git_cache.h"

#include <filesystem>
#include <vector>

#include "kube/log.h"

namespace pave::statestore {
namespace {

void remove_stale_locks(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> locks;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    std::error_code type_ec;
    if (it.depth() == 0 && it->path().filename() == "objects") {
      it.disable_recursion_pending();
    } else if (it->path().extension() == ".lock" && it->is_regular_file(type_ec)) {
      locks.push_back(it->path());
    }
  }
  for (const auto& lock : locks) {
    kube::log::warn("removing a lock a killed process left in the state store's cache", {{"file", lock.string()}});
    std::filesystem::remove(lock, ec);
  }
}

}  // namespace

kube::Result<base::FileLock> claim_git_cache(const std::string& dir) {
  using Kind = base::FileLockError::Kind;
  auto claim = base::FileLock::try_lock(dir + ".owner");
  if (!claim && claim.error().kind == Kind::kHeld) {
    return std::unexpected(kube::make_error(
        kube::ErrorKind::kConflict, "the cache directory " + dir + " is in use (" + claim.error().message +
                                        "): another Pave given the same cache directory, or a git fetch a stopped "
                                        "one started; trying again once it is free"));
  }
  if (!claim && claim.error().kind == Kind::kOther) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kOther, "the cache directory " + dir + ": " + claim.error().message));
  }
  if (!claim) {
    // The cache should be on a local disk (an emptyDir); elsewhere the writer works as before claims,
    // trusting that nothing else uses the directory.
    kube::log::warn("the state store's cache cannot be claimed: its filesystem has no locks", {{"error", claim.error().message}});
    claim = base::FileLock{};
  }
  std::error_code ec;
  std::filesystem::remove_all(dir + ".fetch", ec);
  remove_stale_locks(dir);
  return std::move(*claim);
}

}  // namespace pave::statestore
