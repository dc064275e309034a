// How long a work-queue item waits before it is retried.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/rate_limiter.h"

namespace pave::kube {

class ItemRateLimiter {
 public:
  virtual ~ItemRateLimiter() = default;
  // The delay before key may be processed again; each call counts as one more failure of key.
  virtual std::chrono::nanoseconds when(const std::string& key) = 0;
  // Forgets key's failures (after it succeeded).
  virtual void forget(const std::string& key) = 0;
  virtual int retries(const std::string& key) const = 0;
};

// base * 2^failures, capped at max: per item, so one failing object does not slow the others.
class ItemExponentialLimiter : public ItemRateLimiter {
 public:
  ItemExponentialLimiter(std::chrono::nanoseconds base, std::chrono::nanoseconds max) : base_(base), max_(max) {}
  std::chrono::nanoseconds when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) const override;

 private:
  const std::chrono::nanoseconds base_, max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

// An overall token bucket: retries of all items together stay under qps.
class OverallBucketLimiter : public ItemRateLimiter {
 public:
  OverallBucketLimiter(double qps, int burst) : bucket_(qps, burst) {}
  std::chrono::nanoseconds when(const std::string&) override { return bucket_.reserve(); }
  void forget(const std::string&) override {}
  int retries(const std::string&) const override { return 0; }

 private:
  TokenBucket bucket_;
};

// The longest delay of several limiters.
class MaxOfLimiter : public ItemRateLimiter {
 public:
  explicit MaxOfLimiter(std::vector<std::unique_ptr<ItemRateLimiter>> limiters) : limiters_(std::move(limiters)) {}
  std::chrono::nanoseconds when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) const override;

 private:
  std::vector<std::unique_ptr<ItemRateLimiter>> limiters_;
};

// 5 ms doubling to 1000 s per item, and 10 retries a second (burst 100) overall, as in client-go.
std::unique_ptr<ItemRateLimiter> default_controller_rate_limiter();

}  // namespace pave::kube
