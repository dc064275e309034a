#include "base/subprocess.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace pave::base {
namespace {

using Clock = std::chrono::steady_clock;

// The inherited environment with overrides applied, as "KEY=VALUE" strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto key = entry.substr(0, entry.find('='));
    if (!overrides.contains(std::string(key))) env.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

struct Pipe {
  int read = -1;
  int write = -1;
};

std::expected<Pipe, std::string> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::unexpected(std::string("pipe2: ") + std::strerror(errno));
  return Pipe{fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Spawns argv with the given descriptors as its standard streams (-1 keeps the parent's), keeping inherit
// open in the child.
std::expected<pid_t, std::string> spawn_with(const std::vector<std::string>& argv,
                                             const std::map<std::string, std::string>& env, int in, int out,
                                             int err, const std::vector<int>& inherit = {}, bool own_group = false) {
  if (argv.empty()) return std::unexpected("empty command");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in >= 0) posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO);
  if (out >= 0) posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
  if (err >= 0) posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
  // A descriptor duplicated onto itself loses close-on-exec in the child only (POSIX.1-2024; glibc 2.29).
  for (int fd : inherit) posix_spawn_file_actions_adddup2(&actions, fd, fd);
  auto args = argv;
  auto environment = merged_environment(env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(environment);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, c_args[0], &actions, &attributes, c_args.data(), c_env.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::unexpected("spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

ProcessOutput run(const RunOptions& options) {
  ProcessOutput result;
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  if (!in || !out || !err) {
    result.err = "cannot create pipes";
    return result;
  }
  auto pid = spawn_with(options.argv, options.env, in->read, out->write, err->write, options.inherit_fds,
                        options.own_process_group);
  close_fd(in->read);
  close_fd(out->write);
  close_fd(err->write);
  if (!pid) {
    close_fd(in->write), close_fd(out->read), close_fd(err->read);
    result.err = pid.error();
    result.exit_code = 127;
    return result;
  }
  fcntl(in->write, F_SETFL, O_NONBLOCK);
  if (options.input.empty()) close_fd(in->write);

  const auto deadline = Clock::now() + options.timeout;
  size_t written = 0;
  char buf[65536];
  while (out->read >= 0 || err->read >= 0) {
    pollfd fds[3] = {{out->read, POLLIN, 0}, {err->read, POLLIN, 0}, {in->write, POLLOUT, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(options.own_process_group ? -*pid : *pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    if (poll(fds, 3, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(i == 0 ? out->read : err->read);
      }
    }
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n = ::write(in->write, options.input.data() + written, options.input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();
      if (written == options.input.size()) close_fd(in->write);
    }
  }
  close_fd(in->write), close_fd(out->read), close_fd(err->read);
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_status(status);
  return result;
}

std::expected<Child, std::string> Child::spawn(const std::vector<std::string>& argv,
                                               const std::map<std::string, std::string>& env,
                                               const std::string& stderr_file) {
  auto in = make_pipe();
  if (!in) return std::unexpected(in.error());
  auto out = make_pipe();
  if (!out) return std::unexpected(out.error());
  int err = -1;
  if (!stderr_file.empty()) {
    err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err < 0) return std::unexpected("open " + stderr_file + ": " + std::strerror(errno));
  }
  auto pid = spawn_with(argv, env, in->read, out->write, err);
  close_fd(in->read);
  close_fd(out->write);
  close_fd(err);
  if (!pid) {
    close_fd(in->write), close_fd(out->read);
    return std::unexpected(pid.error());
  }
  return Child(*pid, in->write, out->read);
}

Child::Child(Child&& other) noexcept { *this = std::move(other); }

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    buffer_ = std::move(other.buffer_);
    exit_code_ = other.exit_code_;
  }
  return *this;
}

Child::~Child() { release(); }

void Child::release() {
  if (pid_ > 0 && !exit_code_) stop(std::chrono::seconds(1));
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  pid_ = -1;
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      close_fd(stdout_fd_);
    }
  }
}

void Child::close_stdin() { close_fd(stdin_fd_); }

std::optional<int> Child::wait_for(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return -1;  // moved from
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) {
      exit_code_ = -1;
      return exit_code_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Child::signal(int sig) const {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
}

int Child::stop(std::chrono::milliseconds grace) {
  close_stdin();
  if (auto code = wait_for(grace)) return *code;
  signal(SIGTERM);
  if (auto code = wait_for(grace)) return *code;
  signal(SIGKILL);
  return wait_for(std::chrono::hours(1)).value_or(-1);
}

}  // namespace pave::base
