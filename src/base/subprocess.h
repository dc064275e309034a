// Running other programs: to completion with captured output, or as a long-lived child with pipes.
//
// Every pipe is created close-on-exec, so a child never holds another child's pipe open (which would
// keep that child from ever seeing end of input).
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pave::base {

// What a finished process left behind. exit_code is the exit status, or 128 + the signal number when a
// signal ended it (the shell's convention); timed_out says the process was killed for running too long.
struct ProcessOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;

  bool ok() const { return exit_code == 0 && !timed_out; }
};

struct RunOptions {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;       // set on top of the inherited environment
  std::string input;                            // written to the child's standard input
  std::chrono::milliseconds timeout{120'000};   // SIGKILL after this long
  // Descriptors the child keeps (every other one Pave opens is close-on-exec), under the same numbers:
  // a lock the child must hold while it runs, for one (base/file_lock.h).
  std::vector<int> inherit_fds;
  // The child leads a process group of its own, and a timeout kills the whole group: the helpers a
  // program starts (git's remote-https, index-pack) go with it instead of running on.
  bool own_process_group = false;
};

// Runs a program to completion and captures its standard output and error.
ProcessOutput run(const RunOptions& options);

// A running child process whose standard input and output are pipes held by the parent. Standard error
// goes to a file, or is inherited when no file is named. The destructor closes standard input and kills
// the child if it has not exited within a second of each step (call stop() for a longer grace).
class Child {
 public:
  static std::expected<Child, std::string> spawn(const std::vector<std::string>& argv,
                                                 const std::map<std::string, std::string>& env = {},
                                                 const std::string& stderr_file = "");
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }

  // Reads one line of standard output (without its newline). Empty when the timeout passes first or the
  // child closed its output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  // Closes the child's standard input; a child that watches its input sees end of file.
  void close_stdin();

  // Waits for the child to exit and returns its exit code (128 + signal when killed), or nothing when
  // it is still running after the timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  // Sends a signal to the child.
  void signal(int sig) const;

  // Asks the child to stop by closing its input, then SIGTERM, then SIGKILL, waiting grace for each.
  int stop(std::chrono::milliseconds grace);

 private:
  Child(pid_t pid, int stdin_fd, int stdout_fd) : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd) {}
  void release();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;        // output read past the last returned line
  std::optional<int> exit_code_;
};

}  // namespace pave::base
