// The queue in front of a state-store writer: submit() checks a change's paths and queues it from any
// thread; one writer thread takes everything pending at once, keeps only the last change of each
// placement (each describes the placement's whole state), and hands the batch to the store.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "statestore/writer.h"

namespace pave::statestore {

class BatchQueue {
 public:
  // Writes a batch and returns one result per change, in the batch's order.
  using WriteBatch = std::function<std::vector<kube::Result<WriteResult>>(const std::vector<const Change*>&)>;

  explicit BatchQueue(WriteBatch write);
  // Closes it.
  ~BatchQueue();
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // A change submitted after close() fails at once (kTransient: the caller may retry with the store's
  // next writer).
  void submit(Change change, Writer::OnWritten on_written);

  // Writes what is pending and stops the thread; returns once the last batch is written.
  void close();

 private:
  struct Pending {
    Change change;
    Writer::OnWritten done;
  };
  void run();

  WriteBatch write_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  std::mutex join_mu_;  // close() may be called from two threads (a retiring writer's and its destructor)
  std::thread thread_;
};

}  // namespace pave::statestore
