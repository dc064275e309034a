#include "base/file_lock.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "support/cluster.h"

namespace pave::base {
namespace {

using namespace std::chrono_literals;

TEST(FileLock, ASecondHolderIsRefusedUntilTheFirstLetsGo) {
  auto dir = TempDir::create("file-lock").value();
  const std::string path = (dir.path() / "owner").string();
  auto first = FileLock::try_lock(path);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = FileLock::try_lock(path);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, FileLockError::Kind::kHeld);
  EXPECT_NE(second.error().message.find("locked by another holder"), std::string::npos) << second.error().message;
  first->unlock();
  EXPECT_FALSE(first->held());
  EXPECT_TRUE(FileLock::try_lock(path).has_value());
}

TEST(FileLock, MovingALockKeepsItHeldOnce) {
  auto dir = TempDir::create("file-lock").value();
  const std::string path = (dir.path() / "owner").string();
  FileLock moved;
  {
    auto lock = FileLock::try_lock(path);
    ASSERT_TRUE(lock.has_value());
    moved = std::move(*lock);
  }
  EXPECT_TRUE(moved.held());
  EXPECT_FALSE(FileLock::try_lock(path).has_value()) << "the moved-from lock must not have released it";
}

TEST(FileLock, ADirectoryThatCannotHoldTheFileIsAnError) {
  auto lock = FileLock::try_lock("/nonexistent/pave/owner");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().kind, FileLockError::Kind::kOther);
  EXPECT_NE(lock.error().message.find("/nonexistent/pave/owner"), std::string::npos);
}

// Runs `touch started; sleep 2` on a thread, giving the child the lock's descriptor when inherit is set,
// and lets go of the lock in this process once the child has started. Returns whether the lock could be
// taken again while the child still ran.
bool lockable_while_child_runs(bool inherit) {
  auto dir = TempDir::create("file-lock").value();
  const std::string path = (dir.path() / "owner").string();
  const auto started = dir.path() / "started";
  auto lock = FileLock::try_lock(path).value();
  RunOptions options{.argv = {"sh", "-c", "touch '" + started.string() + "'; sleep 2"}};
  if (inherit) options.inherit_fds = {lock.fd()};
  std::thread child([&] { EXPECT_TRUE(run(options).ok()); });
  const bool child_started = testing::eventually([&] { return std::filesystem::exists(started); }, 10s, 10ms);
  lock.unlock();
  const bool lockable = FileLock::try_lock(path).has_value();
  child.join();
  EXPECT_TRUE(child_started);
  EXPECT_TRUE(FileLock::try_lock(path).has_value()) << "the lock is free once the child has ended";
  return lockable;
}

TEST(FileLock, AChildGivenTheDescriptorHoldsTheLockUntilItEnds) { EXPECT_FALSE(lockable_while_child_runs(true)); }

TEST(FileLock, AChildNotGivenTheDescriptorDoesNotHoldTheLock) { EXPECT_TRUE(lockable_while_child_runs(false)); }

}  // namespace
}  // namespace pave::base
