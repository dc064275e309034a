#include "kube/rate_limiters.h"

#include <algorithm>

namespace pave::kube {

std::chrono::nanoseconds ItemExponentialLimiter::when(const std::string& key) {
  std::lock_guard lock(mu_);
  int n = failures_[key]++;
  if (n >= 62) return max_;
  double delay = static_cast<double>(base_.count()) * static_cast<double>(1ULL << std::min(n, 62));
  return delay >= static_cast<double>(max_.count()) ? max_ : std::chrono::nanoseconds(static_cast<int64_t>(delay));
}

void ItemExponentialLimiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int ItemExponentialLimiter::retries(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::chrono::nanoseconds MaxOfLimiter::when(const std::string& key) {
  std::chrono::nanoseconds longest{0};
  for (auto& l : limiters_) longest = std::max(longest, l->when(key));
  return longest;
}

void MaxOfLimiter::forget(const std::string& key) {
  for (auto& l : limiters_) l->forget(key);
}

int MaxOfLimiter::retries(const std::string& key) const {
  int most = 0;
  for (const auto& l : limiters_) most = std::max(most, l->retries(key));
  return most;
}

std::unique_ptr<ItemRateLimiter> default_controller_rate_limiter() {
  std::vector<std::unique_ptr<ItemRateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<OverallBucketLimiter>(10, 100));
  return std::make_unique<MaxOfLimiter>(std::move(limiters));
}

}  // namespace pave::kube
