// Records Kubernetes Events (events.k8s.io/v1) about objects, without blocking the caller.
//
//   recorder.normal(promise, "Available", "Reconcile", "Promise is available");
//   recorder.warning(request, "PipelineFailed", "Run", "pipeline job failed: ...");
//
// Events are written by a background thread. A repeat of the same event (same object, type, reason,
// action and note) within the series window does not create a new Event: the first one's series count
// and lastObservedTime are updated, as kubectl and the events API expect.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"

namespace pave::kube {

struct EventRecorderOptions {
  std::string reporting_controller;  // e.g. "platform.kratix.io/pave"
  std::string reporting_instance;    // e.g. the pod name
  std::chrono::minutes series_window{6};
  size_t max_pending = 1000;         // beyond this, new events are dropped (and counted)
};

class EventRecorder {
 public:
  EventRecorder(Client client, EventRecorderOptions options);
  ~EventRecorder();  // writes what is pending, then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void normal(const Json& regarding, const std::string& reason, const std::string& action, const std::string& note) {
    record(regarding, "Normal", reason, action, note);
  }
  void warning(const Json& regarding, const std::string& reason, const std::string& action, const std::string& note) {
    record(regarding, "Warning", reason, action, note);
  }
  void record(const Json& regarding, const std::string& type, const std::string& reason, const std::string& action,
              const std::string& note);

  // Blocks until every event recorded so far has been written (for tests and shutdown).
  void flush();
  size_t dropped() const;

 private:
  struct Pending {
    Json regarding;
    std::string type, reason, action, note;
  };
  struct Series {
    std::string namespace_, name;   // the Event object
    int count = 1;
    std::chrono::steady_clock::time_point last{};
  };
  void run();
  void write(const Pending& p);

  Client client_;
  const EventRecorderOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
  size_t in_flight_ = 0;
  size_t dropped_ = 0;
  bool stopping_ = false;
  std::map<std::string, Series> series_;  // by aggregation key
  std::thread thread_;
};

}  // namespace pave::kube
