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

void BatchQueue::submit(Change change, Writer::OnWritten on_written) {
  if (auto error = check_paths(change)) {
    on_written(std::unexpected(*error));
    return;
  }
  {
    std::lock_guard lock(mu_);
    pending_.push_back({.change = std::move(change), .done = std::move(on_written)});
  }
  cv_.notify_all();
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
    for (auto& p : batch) p.done(results.at(slot.at(p.change.placement)));
  }
}

}  // namespace pave::statestore
