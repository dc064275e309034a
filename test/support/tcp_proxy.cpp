#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pave::testing {

TcpProxy::TcpProxy(std::string target_host, int target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  drop_all();
  for (auto& t : pumps_) t.join();
}

void TcpProxy::drop_all() {
  std::lock_guard lock(mu_);
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (blocked_) {
      close(client);
      continue;
    }
    if (answers_left_.load() > 0) {
      --answers_left_;
      std::lock_guard lock(mu_);
      open_fds_.insert(client);
      pumps_.emplace_back([this, client, response = response_] { answer(client, response); });
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    inet_pton(AF_INET, target_host_.c_str(), &addr.sin_addr);
    if (connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(upstream);
      continue;
    }
    ++accepted_;
    std::lock_guard lock(mu_);
    open_fds_.insert(client);
    open_fds_.insert(upstream);
    pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
  }
}

void TcpProxy::answer_next(int n, std::string response) {
  std::lock_guard lock(mu_);
  response_ = std::move(response);
  answers_left_ = n;
}

void TcpProxy::answer(int client, std::string response) {
  std::string request;
  char buf[4096];
  pollfd p{client, POLLIN, 0};
  while (request.find("\r\n\r\n") == std::string::npos && !stopping_ && poll(&p, 1, 5000) > 0) {
    const ssize_t n = read(client, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  for (size_t off = 0; off < response.size();) {
    const ssize_t w = send(client, response.data() + off, response.size() - off, MSG_NOSIGNAL);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  ++answered_;
  shutdown(client, SHUT_WR);
  // Let the client read the answer before the socket goes (closing with unread request bytes sends RST).
  while (!stopping_ && poll(&p, 1, 1000) > 0 && read(client, buf, sizeof buf) > 0) {
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(client);
  close(client);
}

void TcpProxy::pump(int client, int upstream) {
  char buf[65536];
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  bool open = true;
  while (open && !stopping_) {
    if (paused_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (poll(fds, 2, 500) < 0) break;
    for (int i = 0; i < 2 && open; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int delay = delay_ms_.load();
      ssize_t n = read(fds[i].fd, buf, delay > 0 ? 4096 : sizeof buf);
      if (n <= 0) {
        open = false;
        break;
      }
      if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      for (ssize_t off = 0; off < n;) {
        // MSG_NOSIGNAL: a peer that has gone must end this pump, not the test process (SIGPIPE).
        ssize_t w = send(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) {
          open = false;
          break;
        }
        off += w;
      }
    }
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(client);
  open_fds_.erase(upstream);
  close(client);
  close(upstream);
}

}  // namespace pave::testing
