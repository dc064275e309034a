// A deduplicating work queue of keys, as controllers use it.
//
//   - A key added while it waits is not added twice; a key added while a worker holds it is queued again
//     when the worker calls done(), so no two workers ever hold the same key.
//   - add_after() delays a key; add_rate_limited() delays it by the rate limiter (per-item exponential
//     backoff and an overall bucket); forget() resets its backoff.
//   - get() blocks until a key is ready or the queue shuts down.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "kube/rate_limiters.h"

namespace pave::kube {

// Called by the queue so metrics can follow it. Any may be empty.
struct WorkQueueHooks {
  std::function<void(size_t depth)> depth;
  std::function<void()> add;
  std::function<void(double seconds)> queue_latency;  // from add to get
  std::function<void(double seconds)> work_duration;  // from get to done
  std::function<void()> retry;
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(std::unique_ptr<ItemRateLimiter> limiter = default_controller_rate_limiter(),
                     WorkQueueHooks hooks = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::nanoseconds delay);
  void add_rate_limited(const std::string& key);
  void forget(const std::string& key);
  int num_requeues(const std::string& key) const;

  // The next key, or nothing once the queue is shut down.
  std::optional<std::string> get();
  // Marks key finished; if it was added meanwhile it is queued again.
  void done(const std::string& key);

  // Wakes every get() with nothing; later adds are ignored.
  void shut_down();
  bool shutting_down() const;

  // Keys ready to be processed (not counting delayed or in-process ones).
  size_t len() const;

 private:
  void add_locked(const std::string& key);
  void run_delays();

  std::unique_ptr<ItemRateLimiter> limiter_;
  WorkQueueHooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued, or to be queued again when done
  std::unordered_set<std::string> processing_;  // held by a worker
  std::unordered_map<std::string, Clock::time_point> added_at_;
  std::unordered_map<std::string, Clock::time_point> started_at_;
  bool shutting_down_ = false;

  // Delayed keys: earliest time first; a key delayed twice keeps the earlier time.
  using Delayed = std::pair<Clock::time_point, std::string>;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  std::unordered_map<std::string, Clock::time_point> delayed_until_;
  std::condition_variable delay_cv_;
  std::thread delay_thread_;
};

}  // namespace pave::kube
