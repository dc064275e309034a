#include "base/subprocess.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "base/temp_dir.h"
#include "support/cluster.h"

namespace pave::base {
namespace {

using namespace std::chrono_literals;

TEST(Run, CapturesOutputErrorAndExitCode) {
  auto r = run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
}

TEST(Run, FeedsInputLargerThanAPipeBuffer) {
  std::string input(1 << 20, 'x');
  auto r = run({.argv = {"wc", "-c"}, .input = input});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(std::stoul(r.out), input.size());
}

TEST(Run, SetsEnvironmentOnTopOfInherited) {
  auto r = run({.argv = {"sh", "-c", "echo $PAVE_X-${PATH:+has-path}"}, .env = {{"PAVE_X", "1"}}});
  EXPECT_EQ(r.out, "1-has-path\n");
}

TEST(Run, KillsAProcessThatOutlivesItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = run({.argv = {"sleep", "30"}, .timeout = 200ms});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// A child leading its own process group takes the programs it started with it when it times out.
TEST(Run, ATimeoutKillsTheChildsProcessGroupWhenItLeadsOne) {
  auto dir = TempDir::create("subprocess").value();
  const std::string pid_file = (dir.path() / "helper.pid").string();
  auto r = run({.argv = {"sh", "-c", "sleep 30 & echo $! > '" + pid_file + "'; wait"}, .timeout = 500ms,
                .own_process_group = true});
  EXPECT_TRUE(r.timed_out);
  std::ifstream in(pid_file);
  pid_t helper = 0;
  ASSERT_TRUE(in >> helper) << "the helper was not started";
  // Killed, it is a zombie until init reaps it.
  const bool gone = testing::eventually([&] {
    if (::kill(helper, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(helper) + "/stat");
    std::string pid, comm, state;
    return stat >> pid >> comm >> state && state == "Z";
  }, 2s, 20ms);
  EXPECT_TRUE(gone) << "the helper " << helper << " outlived its parent's timeout";
  if (!gone) ::kill(helper, SIGKILL);
}

TEST(Run, ReportsAMissingProgram) {
  auto r = run({.argv = {"/nonexistent/pave-no-such-program"}});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("nonexistent"), std::string::npos);
}

TEST(Child, ReadsLinesAndSeesEndOfInputWhenStdinCloses) {
  // sh echoes READY, then waits for its input to close, as pave-cluster does.
  auto child = Child::spawn({"sh", "-c", "echo READY x=1; cat >/dev/null; echo bye"});
  ASSERT_TRUE(child.has_value()) << child.error();
  EXPECT_EQ(child->read_line(5s), "READY x=1");
  EXPECT_FALSE(child->wait_for(100ms).has_value()) << "child must wait for its input to close";
  child->close_stdin();
  EXPECT_EQ(child->read_line(5s), "bye");
  EXPECT_EQ(child->wait_for(5s), 0);
}

TEST(Child, ReadLineTimesOutWithoutOutput) {
  auto child = Child::spawn({"sleep", "30"});
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->read_line(100ms), std::nullopt);
}

TEST(Child, StopEscalatesToSigtermForAChildIgnoringItsInput) {
  auto child = Child::spawn({"sleep", "30"});
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->stop(200ms), 128 + SIGTERM);
}

TEST(Child, DestructorStopsTheChild) {
  pid_t pid = -1;
  {
    auto child = Child::spawn({"sleep", "30"});
    ASSERT_TRUE(child.has_value());
    pid = child->pid();
  }
  EXPECT_NE(::kill(pid, 0), 0) << "child " << pid << " still exists";
}

}  // namespace
}  // namespace pave::base
