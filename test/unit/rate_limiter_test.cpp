#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

namespace pave::kube {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, AllowsABurstThenSpacesRequestsAtQps) {
  TokenBucket bucket(10, 3);
  auto t0 = TokenBucket::Clock::now();
  EXPECT_EQ(bucket.reserve(t0), 0ns);
  EXPECT_EQ(bucket.reserve(t0), 0ns);
  EXPECT_EQ(bucket.reserve(t0), 0ns);
  // The fourth waits one token (100 ms at 10 qps), the fifth two.
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0)).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0)).count(), 0.2, 1e-6);
}

TEST(TokenBucket, RefillsOverTimeButNotBeyondBurst) {
  TokenBucket bucket(10, 2);
  auto t0 = TokenBucket::Clock::now();
  bucket.reserve(t0);
  bucket.reserve(t0);
  auto later = t0 + 10s;  // long enough to refill far past the burst
  EXPECT_EQ(bucket.reserve(later), 0ns);
  EXPECT_EQ(bucket.reserve(later), 0ns);
  EXPECT_GT(bucket.reserve(later), 0ns);
}

TEST(TokenBucket, ZeroQpsMeansUnlimited) {
  TokenBucket bucket(0, 1);
  auto t0 = TokenBucket::Clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(bucket.reserve(t0), 0ns);
}

}  // namespace
}  // namespace pave::kube
