#include "statestore/batch_queue.h"

#include <map>

namespace pave::statestore {

BatchQueue::BatchQueue(WriteBatch write) : write_(std::move(write)) {
  thread_ = std::thread([this] { run(); });
}

BatchQueue::~BatchQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::future<kube::Result<WriteResult>> BatchQueue::submit(Change change) {
  Pending p{.change = std::move(change)};
  auto future = p.done.get_future();
  if (auto error = check_paths(p.change)) {
    p.done.set_value(std::unexpected(*error));
    return future;
  }
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(p));
  }
  cv_.notify_all();
  return future;
}

void BatchQueue::run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      batch.swap(pending_);
    }
    std::map<std::string, size_t> last;  // placement -> index of its last change
    for (size_t i = 0; i < batch.size(); ++i) last[batch[i].change.placement] = i;
    std::vector<const Change*> changes;
    std::map<std::string, size_t> slot;  // placement -> index in changes
    for (size_t i = 0; i < batch.size(); ++i) {
      if (last[batch[i].change.placement] != i) continue;
      slot[batch[i].change.placement] = changes.size();
      changes.push_back(&batch[i].change);
    }
    auto results = write_(changes);
    for (auto& p : batch) p.done.set_value(results.at(slot.at(p.change.placement)));
  }
}

}  // namespace pave::statestore
