#include "kube/work_queue.h"

namespace pave::kube {

WorkQueue::WorkQueue(std::unique_ptr<ItemRateLimiter> limiter, WorkQueueHooks hooks)
    : limiter_(std::move(limiter)), hooks_(std::move(hooks)) {
  delay_thread_ = std::thread([this] { run_delays(); });
}

WorkQueue::~WorkQueue() {
  shut_down();
  delay_thread_.join();
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  added_at_.emplace(key, Clock::now());
  if (hooks_.add) hooks_.add();
  if (processing_.contains(key)) return;  // queued again by done()
  queue_.push_back(key);
  if (hooks_.depth) hooks_.depth(queue_.size());
  ready_cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  add_locked(key);
}

void WorkQueue::add_after(const std::string& key, std::chrono::nanoseconds delay) {
  if (delay <= std::chrono::nanoseconds::zero()) return add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  const auto at = Clock::now() + delay;
  auto it = delayed_until_.find(key);
  if (it != delayed_until_.end() && it->second <= at) return;  // already due sooner
  delayed_until_[key] = at;
  delayed_.push({at, key});
  delay_cv_.notify_one();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  if (hooks_.retry) hooks_.retry();
  add_after(key, limiter_->when(key));
}

void WorkQueue::forget(const std::string& key) { limiter_->forget(key); }

int WorkQueue::num_requeues(const std::string& key) const { return limiter_->retries(key); }

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  ready_cv_.wait(lock, [&] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  if (hooks_.depth) hooks_.depth(queue_.size());
  processing_.insert(key);
  dirty_.erase(key);
  const auto now = Clock::now();
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (hooks_.queue_latency) hooks_.queue_latency(std::chrono::duration<double>(now - it->second).count());
    added_at_.erase(it);
  }
  started_at_[key] = now;
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (auto it = started_at_.find(key); it != started_at_.end()) {
    if (hooks_.work_duration) hooks_.work_duration(std::chrono::duration<double>(Clock::now() - it->second).count());
    started_at_.erase(it);
  }
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    if (hooks_.depth) hooks_.depth(queue_.size());
    ready_cv_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  ready_cv_.notify_all();
  delay_cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::run_delays() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    if (delayed_.empty()) {
      delay_cv_.wait(lock);
      continue;
    }
    auto [at, key] = delayed_.top();
    if (Clock::now() < at) {
      delay_cv_.wait_until(lock, at);
      continue;
    }
    delayed_.pop();
    // Skip entries superseded by an earlier add_after of the same key.
    auto it = delayed_until_.find(key);
    if (it == delayed_until_.end() || it->second != at) continue;
    delayed_until_.erase(it);
    add_locked(key);
  }
}

}  // namespace pave::kube
