// An exclusive advisory lock (flock) on a file, held for the lifetime of one object.
//
// The lock belongs to the open file description, not to the process: a child given the descriptor
// (RunOptions::inherit_fds) holds it too, until both have let go. So a lock taken by a process that is
// killed while its child runs stays held until the child ends, which is what makes it a safe claim on a
// directory the child writes into.
#pragma once

#include <expected>
#include <string>

namespace pave::base {

// Why a lock was not taken.
struct FileLockError {
  enum class Kind {
    kHeld,         // another open file description holds it, in this process or another
    kUnsupported,  // the filesystem has no flock (ENOLCK, EOPNOTSUPP: some network filesystems)
    kOther,        // the file could not be opened (its directory missing, no permission)
  } kind;
  std::string message;
};

class FileLock {
 public:
  // Opens (creating, mode 0600) path and locks it without waiting.
  static std::expected<FileLock, FileLockError> try_lock(const std::string& path);

  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { unlock(); }

  // The locked descriptor (close-on-exec), or -1 when nothing is held.
  int fd() const { return fd_; }
  bool held() const { return fd_ >= 0; }

  // Lets go of the lock (children still holding the descriptor keep it held).
  void unlock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pave::base
