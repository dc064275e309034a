// A token bucket: on average qps requests a second, with up to burst at once.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace pave::kube {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double qps, int burst)
      : qps_(qps), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(Clock::now()) {}

  // Takes one token, returning how long the caller must wait before using it (zero when one was free).
  // Tokens are reserved in order, so concurrent callers are spaced out rather than all woken at once.
  std::chrono::nanoseconds reserve(Clock::time_point now = Clock::now()) {
    if (qps_ <= 0) return std::chrono::nanoseconds::zero();  // unlimited
    std::lock_guard lock(mu_);
    refill(now);
    tokens_ -= 1;
    if (tokens_ >= 0) return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
  }

  // Blocks until a token is available.
  void acquire() {
    auto wait = reserve();
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

 private:
  void refill(Clock::time_point now) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
  }

  const double qps_;
  const int burst_;
  std::mutex mu_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace pave::kube
