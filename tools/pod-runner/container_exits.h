// ContainerExits follows podman's events and tells the pod runner at once when one of its containers
// ends, so a running pod is looked at again when something happened rather than every few hundred
// milliseconds (two podman commands a look, the runner's main cost on a busy host). While it is not
// following (podman cannot print events, or the stream ended and is being started again), following()
// is false and the runner polls as before.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "engine.h"

namespace pave::podrunner {

class ContainerExits {
 public:
  // on_died gets the uid of a pod whose container died. on_resync is called each time the stream
  // (re)starts: what ended before it is only found by looking at every pod again.
  ContainerExits(Podman podman, std::function<void(const std::string& pod_uid)> on_died, std::function<void()> on_resync)
      : podman_(std::move(podman)), on_died_(std::move(on_died)), on_resync_(std::move(on_resync)) {}
  ContainerExits(const ContainerExits&) = delete;
  ContainerExits& operator=(const ContainerExits&) = delete;
  ~ContainerExits() { stop(); }

  void start();
  void stop();
  bool following() const { return following_.load(); }

 private:
  void loop();

  const Podman podman_;
  const std::function<void(const std::string&)> on_died_;
  const std::function<void()> on_resync_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> following_{false};
  std::thread thread_;
};

}  // namespace pave::podrunner
