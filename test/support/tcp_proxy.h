// A TCP proxy on loopback that a test can cut: to see how clients survive dropped connections.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pave::testing {

class TcpProxy {
 public:
  // Forwards connections made to 127.0.0.1:port() to target_host:target_port.
  TcpProxy(std::string target_host, int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }

  // Closes every open connection at once, as a server or network failure would.
  void drop_all();

  // While blocked, new connections are accepted and closed at once.
  void set_blocked(bool blocked) { blocked_ = blocked; }

  // While paused, open connections carry nothing either way (bytes wait in the sockets), as a stalled
  // network or server would: a watch through the proxy delivers no events until resumed.
  void set_paused(bool paused) { paused_ = paused; }

  // While set, every chunk (at most 4 KiB) waits this long before it is passed on, either way: a slow
  // server or a slow link.
  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }

  int connections_accepted() const { return accepted_.load(); }

  // The next n connections are answered with response (a whole HTTP answer, e.g. a 503 SlowDown) once
  // their request's headers have arrived, and closed; the target never sees them. 0 stops it.
  void answer_next(int n, std::string response);
  int answered() const { return answered_.load(); }

 private:
  void accept_loop();
  void pump(int client, int upstream);
  void answer(int client, std::string response);

  std::string target_host_;
  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> blocked_{false};
  std::atomic<bool> paused_{false};
  std::atomic<int> delay_ms_{0};
  std::atomic<int> accepted_{0};
  std::atomic<int> answers_left_{0};
  std::atomic<int> answered_{0};
  std::string response_;  // guarded by mu_
  std::thread acceptor_;
  std::mutex mu_;
  std::set<int> open_fds_;
  std::vector<std::thread> pumps_;
};

}  // namespace pave::testing
