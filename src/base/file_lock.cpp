#include "base/file_lock.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace pave::base {

std::expected<FileLock, FileLockError> FileLock::try_lock(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(FileLockError{FileLockError::Kind::kOther, "cannot open " + path + ": " + std::strerror(errno)});
  int rc;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return std::unexpected(FileLockError{FileLockError::Kind::kHeld, path + " is locked by another holder"});
    const auto kind = err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS ? FileLockError::Kind::kUnsupported : FileLockError::Kind::kOther;
    return std::unexpected(FileLockError{kind, "cannot lock " + path + ": " + std::strerror(err)});
  }
  return FileLock(fd);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    unlock();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void FileLock::unlock() {
  // Closing the last descriptor of the open file description releases the lock.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace pave::base
