#include "kube/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace pave::kube {

namespace pm = prometheus;

struct Metrics::Impl {
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  pm::Family<pm::Counter>& reconcile_total =
      pm::BuildCounter().Name("controller_runtime_reconcile_total").Help("Reconciliations per controller and result").Register(*registry);
  pm::Family<pm::Counter>& reconcile_errors =
      pm::BuildCounter().Name("controller_runtime_reconcile_errors_total").Help("Reconciliations that returned an error").Register(*registry);
  pm::Family<pm::Histogram>& reconcile_time =
      pm::BuildHistogram().Name("controller_runtime_reconcile_time_seconds").Help("Time per reconciliation").Register(*registry);
  pm::Family<pm::Gauge>& depth = pm::BuildGauge().Name("workqueue_depth").Help("Keys waiting in the queue").Register(*registry);
  pm::Family<pm::Counter>& adds = pm::BuildCounter().Name("workqueue_adds_total").Help("Keys added").Register(*registry);
  pm::Family<pm::Counter>& retries = pm::BuildCounter().Name("workqueue_retries_total").Help("Keys retried with backoff").Register(*registry);
  pm::Family<pm::Histogram>& queue_duration =
      pm::BuildHistogram().Name("workqueue_queue_duration_seconds").Help("Time from add to processing").Register(*registry);
  pm::Family<pm::Histogram>& work_duration =
      pm::BuildHistogram().Name("workqueue_work_duration_seconds").Help("Time spent processing a key").Register(*registry);
  pm::Family<pm::Counter>& requests =
      pm::BuildCounter().Name("rest_client_requests_total").Help("API requests by method and status code").Register(*registry);
  pm::Family<pm::Histogram>& request_duration =
      pm::BuildHistogram().Name("rest_client_request_duration_seconds").Help("API request latency by method").Register(*registry);
  pm::Family<pm::Gauge>& leader =
      pm::BuildGauge().Name("leader_election_master_status").Help("1 while this process leads").Register(*registry);

  static pm::Histogram::BucketBoundaries buckets() {
    return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

pm::Registry& Metrics::registry() { return *impl_->registry; }

void Metrics::reconcile_finished(const std::string& controller, const std::string& result, double seconds) {
  impl_->reconcile_total.Add({{"controller", controller}, {"result", result}}).Increment();
  if (result == "error") impl_->reconcile_errors.Add({{"controller", controller}}).Increment();
  impl_->reconcile_time.Add({{"controller", controller}}, Impl::buckets()).Observe(seconds);
}

WorkQueueHooks Metrics::work_queue_hooks(const std::string& name) {
  // Families return stable references to their metrics, so the hooks capture them once.
  auto& depth = impl_->depth.Add({{"name", name}});
  auto& adds = impl_->adds.Add({{"name", name}});
  auto& retries = impl_->retries.Add({{"name", name}});
  auto& queued = impl_->queue_duration.Add({{"name", name}}, Impl::buckets());
  auto& work = impl_->work_duration.Add({{"name", name}}, Impl::buckets());
  return {.depth = [&depth](size_t d) { depth.Set(static_cast<double>(d)); },
          .add = [&adds] { adds.Increment(); },
          .queue_latency = [&queued](double s) { queued.Observe(s); },
          .work_duration = [&work](double s) { work.Observe(s); },
          .retry = [&retries] { retries.Increment(); }};
}

RequestObserver Metrics::request_observer() {
  Impl* impl = impl_.get();
  return [impl](const RequestRecord& r) {
    impl->requests.Add({{"method", r.method}, {"code", r.status ? std::to_string(r.status) : "<error>"}}).Increment();
    impl->request_duration.Add({{"method", r.method}}, Impl::buckets()).Observe(r.latency.count());
  };
}

void Metrics::set_leader(const std::string& name, bool leading) {
  impl_->leader.Add({{"name", name}}).Set(leading ? 1 : 0);
}

std::string Metrics::serialize() const {
  return pm::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace pave::kube
