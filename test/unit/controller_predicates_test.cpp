// The controller runtime's pure parts: which updates wake a controller, and an enqueuer outliving its
// controller.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "kube/controller.h"
#include "kube/rate_limiters.h"

namespace pave::kube {
namespace {

Json object(int generation) {
  return {{"metadata", {{"name", "a"}, {"generation", generation}, {"resourceVersion", "1"}, {"labels", {{"x", "1"}}}}},
          {"spec", {{"n", generation}}}};
}

TEST(ChangedBeyondStatus, IgnoresStatusAndResourceVersion) {
  Json before = object(1), after = object(1);
  after["metadata"]["resourceVersion"] = "2";
  after["status"] = {{"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}}})}};
  EXPECT_FALSE(changed_beyond_status(before, after));
}

TEST(ChangedBeyondStatus, CountsSpecLabelsAnnotationsFinalizersAndDeletion) {
  const Json before = object(1);
  Json spec = object(2);
  EXPECT_TRUE(changed_beyond_status(before, spec));
  Json labels = object(1);
  labels["metadata"]["labels"]["x"] = "2";
  EXPECT_TRUE(changed_beyond_status(before, labels));
  Json annotations = object(1);
  annotations["metadata"]["annotations"] = {{"a", "b"}};
  EXPECT_TRUE(changed_beyond_status(before, annotations));
  Json finalizers = object(1);
  finalizers["metadata"]["finalizers"] = Json::array({"f"});
  EXPECT_TRUE(changed_beyond_status(before, finalizers));
  Json deleting = object(1);
  deleting["metadata"]["deletionTimestamp"] = "2026-11-25T00:00:00Z";
  EXPECT_TRUE(changed_beyond_status(before, deleting));
}

class NoopReconciler : public Reconciler {
 public:
  Result<ReconcileResult> reconcile(const Request&) override { return ReconcileResult{}; }
};

TEST(Controller, EnqueuerIsSafeAfterTheControllerIsGone) {
  std::function<void(const Request&)> enqueue;
  {
    Controller c("c", std::make_shared<NoopReconciler>());
    enqueue = c.enqueuer();
    enqueue({"ns", "a"});
    EXPECT_EQ(c.queue().len(), 1u);
  }
  enqueue({"ns", "b"});  // nothing to do, and nothing breaks
}

// Throws on its first call, as a library might on input nobody foresaw; fine afterwards.
class ThrowingOnceReconciler : public Reconciler {
 public:
  Result<ReconcileResult> reconcile(const Request&) override {
    if (calls++ == 0) throw std::runtime_error("type_error: not an object");
    return ReconcileResult{};
  }
  std::atomic<int> calls{0};
};

TEST(Controller, AReconcilerThatThrowsIsRetriedNotFatal) {
  auto reconciler = std::make_shared<ThrowingOnceReconciler>();
  Controller c("c", reconciler, {.workers = 1, .rate_limiter = [] { return std::make_unique<ItemExponentialLimiter>(std::chrono::milliseconds(1), std::chrono::milliseconds(10)); }});
  c.start();
  c.enqueue({"ns", "a"});
  for (int i = 0; i < 200 && reconciler->calls < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  c.stop();
  EXPECT_EQ(reconciler->calls.load(), 2) << "the throw became an error, retried with backoff";
}

}  // namespace
}  // namespace pave::kube
