// Prometheus metrics of the controller runtime, in one registry per process.
//
// Names follow controller-runtime and client-go, so existing dashboards work:
//   controller_runtime_reconcile_total{controller,result}   result: success, error, requeue_after
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_reconcile_time_seconds{controller}    (histogram)
//   workqueue_depth{name}, workqueue_adds_total{name}, workqueue_retries_total{name}
//   workqueue_queue_duration_seconds{name}, workqueue_work_duration_seconds{name}   (histograms)
//   rest_client_requests_total{method,code}, rest_client_request_duration_seconds{method}  (histogram)
//   leader_election_master_status{name}
#pragma once

#include <memory>
#include <string>

#include "kube/transport.h"
#include "kube/work_queue.h"

namespace prometheus {
class Registry;
}

namespace pave::kube {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void reconcile_finished(const std::string& controller, const std::string& result, double seconds);
  WorkQueueHooks work_queue_hooks(const std::string& name);
  RequestObserver request_observer();
  void set_leader(const std::string& name, bool leading);

  // The registry, for Pave's own metrics beside these.
  prometheus::Registry& registry();

  // Every metric in the Prometheus text exposition format.
  std::string serialize() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pave::kube
