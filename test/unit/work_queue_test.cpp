#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace pave::kube {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ItemRateLimiter> fast_limiter() {
  return std::make_unique<ItemExponentialLimiter>(1ms, 50ms);
}

TEST(WorkQueue, DeduplicatesKeysWaitingToBeProcessed) {
  WorkQueue q(fast_limiter());
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, AKeyAddedWhileProcessingIsQueuedAgainOnDone) {
  WorkQueue q(fast_limiter());
  q.add("a");
  auto key = q.get();
  q.add("a");
  EXPECT_EQ(q.len(), 0u) << "a key held by a worker must not be handed to another";
  q.done(*key);
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "a");
}

TEST(WorkQueue, DelayedKeysArriveInOrderOfTheirTime) {
  WorkQueue q(fast_limiter());
  q.add_after("late", 150ms);
  q.add_after("soon", 30ms);
  q.add_after("late", 400ms);  // a later time for a key already due sooner changes nothing
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(q.get(), "soon");
  EXPECT_EQ(q.get(), "late");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 390ms);
}

TEST(WorkQueue, RateLimitedRetriesBackOffPerKeyUntilForgotten) {
  WorkQueue q(std::make_unique<ItemExponentialLimiter>(20ms, 1s));
  for (int i = 0; i < 3; ++i) q.add_rate_limited("k");  // 20, 40, 80 ms: the earliest wins
  EXPECT_EQ(q.num_requeues("k"), 3);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(q.get(), "k");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 15ms);
  q.forget("k");
  EXPECT_EQ(q.num_requeues("k"), 0);
}

TEST(WorkQueue, ShutDownWakesWaitingWorkers) {
  WorkQueue q(fast_limiter());
  std::atomic<int> woke{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) workers.emplace_back([&] { if (!q.get()) ++woke; });
  std::this_thread::sleep_for(50ms);
  q.shut_down();
  for (auto& w : workers) w.join();
  EXPECT_EQ(woke.load(), 3);
  q.add("ignored");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, ManyWorkersNeverHoldTheSameKeyAndLoseNoAdds) {
  WorkQueue q(fast_limiter());
  std::mutex mu;
  std::set<std::string> held;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        {
          std::lock_guard lock(mu);
          if (!held.insert(*key).second) overlap = true;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        {
          std::lock_guard lock(mu);
          held.erase(*key);
        }
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) q.add("k" + std::to_string(i % 10));
  // Every key is processed at least once after its last add.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((q.len() > 0) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);
  q.shut_down();
  for (auto& w : workers) w.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 10);
  EXPECT_LE(processed.load(), 20000) << "deduplication folds repeated adds";
}

TEST(WorkQueue, HooksSeeAddsDepthAndLatency) {
  std::atomic<int> adds{0}, retries{0};
  std::atomic<size_t> depth{0};
  std::atomic<int> latencies{0}, durations{0};
  WorkQueue q(fast_limiter(), {.depth = [&](size_t d) { depth = d; },
                               .add = [&] { ++adds; },
                               .queue_latency = [&](double) { ++latencies; },
                               .work_duration = [&](double) { ++durations; },
                               .retry = [&] { ++retries; }});
  q.add("a");
  q.add("b");
  EXPECT_EQ(depth.load(), 2u);
  auto k = q.get();
  q.done(*k);
  q.add_rate_limited("c");
  EXPECT_EQ(adds.load(), 2);
  EXPECT_EQ(retries.load(), 1);
  EXPECT_EQ(latencies.load(), 1);
  EXPECT_EQ(durations.load(), 1);
}

TEST(ItemExponentialLimiter, DoublesToItsCap) {
  ItemExponentialLimiter l(5ms, 1s);
  EXPECT_EQ(l.when("x"), 5ms);
  EXPECT_EQ(l.when("x"), 10ms);
  EXPECT_EQ(l.when("x"), 20ms);
  EXPECT_EQ(l.when("y"), 5ms) << "per item";
  for (int i = 0; i < 100; ++i) l.when("x");
  EXPECT_EQ(l.when("x"), 1s);
  l.forget("x");
  EXPECT_EQ(l.when("x"), 5ms);
}

TEST(DefaultControllerRateLimiter, TakesTheLongerOfItemBackoffAndTheOverallBucket) {
  auto l = default_controller_rate_limiter();
  EXPECT_EQ(l->when("x"), 5ms);
  EXPECT_EQ(l->when("x"), 10ms);
  // 100 fresh keys drain the burst; the next waits on the 10/s bucket, longer than its 5 ms backoff.
  for (int i = 0; i < 100; ++i) l->when("k" + std::to_string(i));
  EXPECT_GT(l->when("fresh"), 50ms);
}

}  // namespace
}  // namespace pave::kube
