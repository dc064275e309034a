#include "container_exits.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "kube/log.h"

namespace pave::podrunner {

namespace {
// How far back a (re)started stream begins: podman only prints events once it has opened its event
// log, so a stream that began "now" would miss a container dying while podman starts. Dying twice in
// the stream does no harm; it only looks at the pod again.
constexpr const char* kLookBack = "10s";
// A stream that ends soon after it began is started again later each time (1 s doubling to 30 s), so a
// podman that cannot print events is not asked every second.
constexpr auto kFirstRestartDelay = std::chrono::seconds(1);
constexpr auto kMaxRestartDelay = std::chrono::seconds(30);
constexpr auto kHealthyStream = std::chrono::seconds(30);
}  // namespace

void ContainerExits::start() { thread_ = std::thread([this] { loop(); }); }

void ContainerExits::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ContainerExits::loop() {
  auto delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kFirstRestartDelay);
  while (!stop_.load()) {
    const auto began = std::chrono::steady_clock::now();
    // podman events goes when the runner goes, even SIGKILLed (tests and crashes do): otherwise it would
    // wait for ever for an event to write into a pipe nobody reads.
    std::vector<std::string> argv{"setpriv", "--pdeathsig", "KILL", "--"};
    for (auto& arg : podman_.events_command(kLookBack)) argv.push_back(std::move(arg));
    auto child = base::Child::spawn(argv);
    if (!child) {
      kube::log::warn("cannot follow podman events; polling instead", {{"error", child.error()}});
    } else {
      following_ = true;
      on_resync_();
      while (!stop_.load()) {
        if (auto line = child->read_line(std::chrono::milliseconds(200))) {
          if (auto uid = podman_.died_pod(*line)) on_died_(*uid);
        } else if (child->wait_for(std::chrono::milliseconds(0))) {
          break;
        }
      }
      following_ = false;
      if (auto code = child->wait_for(std::chrono::milliseconds(0)); code && !stop_.load()) {
        kube::log::warn("podman events ended; polling until it runs again", {{"exit_code", std::to_string(*code)}});
      }
      child->stop(std::chrono::milliseconds(500));
    }
    const bool lasted = std::chrono::steady_clock::now() - began > kHealthyStream;
    delay = lasted ? kFirstRestartDelay : std::min<std::chrono::steady_clock::duration>(delay * 2, kMaxRestartDelay);
    for (auto until = std::chrono::steady_clock::now() + delay; !stop_.load() && std::chrono::steady_clock::now() < until;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace pave::podrunner
