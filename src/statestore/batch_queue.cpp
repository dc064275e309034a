#include "statestore/batch_queue.h"

#include <map>
#include <stdexcept>

#include "kube/guard.h"

namespace pave::statestore {

BatchQueue::BatchQueue(WriteBatch write) : write_(std::move(write)) {
  thread_ = std::thread([this] { run(); });
}

BatchQueue::~BatchQueue() { close(); }

void BatchQueue::close() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  std::lock_guard join(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void BatchQueue::submit(Change change, Writer::OnWritten on_written) {
  if (auto error = check_paths(change)) {
    on_written(std::unexpected(*error));
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      lock.unlock();
      on_written(std::unexpected(writer_closed_error()));
      return;
    }
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
    auto key = [](const Change& c) -> const std::string& { return c.key.empty() ? c.placement : c.key; };
    std::map<std::string, size_t> last;  // key -> index of its last change
    for (size_t i = 0; i < batch.size(); ++i) last[key(batch[i].change)] = i;
    std::vector<const Change*> changes;
    std::map<std::string, size_t> slot;  // key -> index in changes
    for (size_t i = 0; i < batch.size(); ++i) {
      if (last[key(batch[i].change)] != i) continue;
      slot[key(batch[i].change)] = changes.size();
      changes.push_back(&batch[i].change);
    }
    // A batch whose writing threw fails as a whole, and the thread goes on to the next one; a caller's
    // callback that throws costs only that caller its answer.
    std::vector<kube::Result<WriteResult>> results;
    auto written = kube::guarded("writing a batch", [&]() -> kube::Status {
      results = write_(changes);
      if (results.size() != changes.size()) throw std::logic_error("a writer answered for the wrong number of changes");
      return {};
    });
    if (!written) results.assign(changes.size(), std::unexpected(written.error()));
    for (auto& p : batch) {
      kube::call_logged("a write's callback", p.change.placement, [&] { p.done(results.at(slot.at(key(p.change)))); });
    }
  }
}

}  // namespace pave::statestore
