#include "statestore/git_socket.h"

#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <system_error>
#include <thread>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <string>

namespace pave::statestore {
namespace {

std::atomic<long> g_timeout_ms{60'000};

// Laid out exactly as libgit2 1.5's own socket stream (git_socket_stream): its ssh transport reaches the
// file descriptor through that layout.
struct SocketStream {
  git_stream parent;
  char* host;
  char* port;
  int s;
};

SocketStream* self(git_stream* stream) { return reinterpret_cast<SocketStream*>(stream); }

// The socket options time out reads and writes made through this stream, but libssh2 reads an ssh
// connection itself and, when a read times out, polls the socket again without a limit. So every open
// connection is also watched: one that has neither sent nor received data for twice the timeout
// (TCP_INFO's last_data_sent and last_data_recv) while the thread that opened it is in a network
// operation (GitNetworkOperation) is shut down, which ends any poll on it and fails the operation. An
// idle connection libgit2 keeps alive between operations is left alone.
class IdleWatchdog {
 public:
  // Never destroyed: its thread may still be looking when the process exits.
  static IdleWatchdog& instance() {
    static auto* watchdog = new IdleWatchdog;
    return *watchdog;
  }
  void watch(int fd) {
    std::lock_guard lock(mu_);
    fds_[fd] = std::this_thread::get_id();
    if (running_) return;
    try {
      std::thread([this] { run(); }).detach();  // ends when nothing is left to watch
      running_ = true;
    } catch (const std::system_error&) {
      // No thread: this connection goes unwatched (its socket timeouts still apply); the next tries again.
    }
  }
  // Before the fd is closed: the watchdog never touches a number the process may reuse.
  void forget(int fd) {
    std::lock_guard lock(mu_);
    fds_.erase(fd);
  }
  void begin_operation() {
    std::lock_guard lock(mu_);
    ++busy_[std::this_thread::get_id()];
  }
  void end_operation() {
    std::lock_guard lock(mu_);
    if (auto it = busy_.find(std::this_thread::get_id()); it != busy_.end() && --it->second == 0) busy_.erase(it);
  }
  int shut_down() const { return shut_down_.load(); }

 private:
  void run() {
    for (;;) {
      const long timeout_ms = g_timeout_ms.load();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp(timeout_ms / 4, 50L, 1000L)));
      std::lock_guard lock(mu_);
      if (fds_.empty()) {
        running_ = false;
        return;
      }
      for (auto it = fds_.begin(); it != fds_.end();) {
        const int fd = it->first;
        tcp_info info{};
        socklen_t size = sizeof info;
        // Twice the timeout: a read or write through this stream times out first, with the clearer error.
        const auto idle = static_cast<unsigned long>(2 * timeout_ms);
        if (busy_.contains(it->second) && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 &&
            info.tcpi_last_data_recv >= idle && info.tcpi_last_data_sent >= idle && shutdown(fd, SHUT_RDWR) == 0) {
          ++shut_down_;
          it = fds_.erase(it);  // counted once, never touched again
        } else {
          ++it;
        }
      }
    }
  }
  std::mutex mu_;
  std::map<int, std::thread::id> fds_;   // open connections, by the thread that opened them
  std::map<std::thread::id, int> busy_;  // threads in a network operation (nested ones counted)
  bool running_ = false;
  std::atomic<int> shut_down_{0};
};

int fail(const std::string& message) {
  git_error_set_str(GIT_ERROR_NET, message.c_str());
  return -1;
}

// connect() that gives up after the timeout; 0, or why it failed (an errno, ETIMEDOUT for the timeout).
int connect_within(int fd, const sockaddr* address, socklen_t length, long timeout_ms) {
  const int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int error = ::connect(fd, address, length) == 0 ? 0 : errno;
  if (error == EINPROGRESS) {
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    int ready;
    while ((ready = poll(&p, 1, static_cast<int>(timeout_ms))) < 0 && errno == EINTR) {
    }
    error = ETIMEDOUT;
    socklen_t size = sizeof error;
    if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  }
  fcntl(fd, F_SETFL, flags);
  return error;
}

int stream_connect(git_stream* stream) {
  SocketStream* st = self(stream);
  const long timeout_ms = g_timeout_ms.load();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(st->host, st->port, &hints, &found); rc != 0) {
    return fail(std::string("failed to resolve address for ") + st->host + ": " + gai_strerror(rc));
  }
  int fd = -1, error = 0;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno;
    } else if ((error = connect_within(fd, a->ai_addr, a->ai_addrlen, timeout_ms)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0 && error == ETIMEDOUT) {
    return fail(std::string("failed to connect to ") + st->host + ":" + st->port + " within " + std::to_string(timeout_ms) + " ms");
  }
  if (fd < 0) return fail(std::string("failed to connect to ") + st->host + ":" + st->port + ": " + std::strerror(error));
  const timeval limit{.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  st->s = fd;
  IdleWatchdog::instance().watch(fd);
  return 0;
}

ssize_t stream_read(git_stream* stream, void* data, size_t length) {
  for (;;) {
    const ssize_t n = recv(self(stream)->s, data, length, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return fail(std::string("timed out: ") + self(stream)->host + " sent nothing for " + std::to_string(g_timeout_ms.load()) + " ms");
    }
    return fail(std::string("read from ") + self(stream)->host + ": " + std::strerror(errno));
  }
}

ssize_t stream_write(git_stream* stream, const char* data, size_t length, int) {
  for (;;) {
    const ssize_t n = send(self(stream)->s, data, length, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return fail(std::string("timed out: ") + self(stream)->host + " took nothing for " + std::to_string(g_timeout_ms.load()) + " ms");
    }
    return fail(std::string("write to ") + self(stream)->host + ": " + std::strerror(errno));
  }
}

int stream_close(git_stream* stream) {
  SocketStream* st = self(stream);
  if (st->s >= 0) {
    IdleWatchdog::instance().forget(st->s);
    ::close(st->s);
  }
  st->s = -1;
  return 0;
}

void stream_free(git_stream* stream) {
  SocketStream* st = self(stream);
  stream_close(stream);  // libgit2 closes first; this only makes sure
  std::free(st->host);
  std::free(st->port);
  delete st;
}

int stream_init(git_stream** out, const char* host, const char* port) {
  auto* st = new SocketStream{};
  st->parent.version = GIT_STREAM_VERSION;
  st->parent.connect = stream_connect;
  st->parent.read = stream_read;
  st->parent.write = stream_write;
  st->parent.close = stream_close;
  st->parent.free = stream_free;
  st->host = strdup(host);
  st->port = strdup(port);
  st->s = -1;
  *out = &st->parent;
  return 0;
}

}  // namespace

void set_git_network_timeout(std::chrono::milliseconds timeout) { g_timeout_ms = static_cast<long>(timeout.count()); }

std::chrono::milliseconds git_network_timeout() { return std::chrono::milliseconds(g_timeout_ms.load()); }

int git_idle_connections_shut_down() { return IdleWatchdog::instance().shut_down(); }

GitNetworkOperation::GitNetworkOperation() { IdleWatchdog::instance().begin_operation(); }
GitNetworkOperation::~GitNetworkOperation() { IdleWatchdog::instance().end_operation(); }

void install_git_socket_timeouts() {
  static std::once_flag once;
  std::call_once(once, [] {
    static git_stream_registration registration{.version = GIT_STREAM_VERSION, .init = stream_init, .wrap = nullptr};
    git_stream_register(GIT_STREAM_STANDARD, &registration);
  });
}

}  // namespace pave::statestore
