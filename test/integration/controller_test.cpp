// The controller runtime against a real API server: a manager running a controller that keeps a mirror
// ConfigMap for every source ConfigMap, retries with backoff, records Events and serves health and metrics.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "kube/manager.h"
#include "kube/object.h"
#include "support/cluster_environment.h"

namespace pave::kube {
namespace {

using namespace std::chrono_literals;
using testing::ClusterTest;
using testing::eventually;

// For each ConfigMap labelled role=source, keeps "<name>-mirror" with the same data, owned by the source.
// Fails the first `failures_before_success` times it sees a source named "flaky".
class MirrorReconciler : public Reconciler {
 public:
  MirrorReconciler(Client client, Informer& sources, EventRecorder& events)
      : client_(std::move(client)), sources_(sources), events_(events) {}

  Result<ReconcileResult> reconcile(const Request& req) override {
    {
      std::lock_guard lock(mu_);
      ++calls_[req.name];
    }
    ObjectPtr source = sources_.store().get(req.key());
    if (!source) return ReconcileResult{};  // deleted: the garbage collector removes the mirror
    if (req.name == "flaky" && calls(req.name) <= 2) {
      return std::unexpected(make_error(ErrorKind::kTransient, "flaky fails twice"));
    }
    Json mirror = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                   {"metadata", {{"name", req.name + "-mirror"}, {"namespace", req.namespace_},
                                 {"labels", {{"role", "mirror"}}},
                                 {"ownerReferences", Json::array({{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                                   {"name", req.name}, {"uid", meta::uid(*source)},
                                                                   {"controller", true}}})}}},
                   {"data", source->value("data", Json::object())}};
    auto applied = client_.apply(resources::configmaps(), mirror, {.field_manager = "mirror-controller", .force = true});
    if (!applied) return std::unexpected(applied.error());
    events_.normal(*source, "Mirrored", "Reconcile", "mirror is up to date");
    return ReconcileResult{};
  }

  int calls(const std::string& name) {
    std::lock_guard lock(mu_);
    return calls_[name];
  }

 private:
  Client client_;
  Informer& sources_;
  EventRecorder& events_;
  std::mutex mu_;
  std::map<std::string, int> calls_;
};

class ControllerTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    auto config = load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(make_client(config).value());
  }
  Json source(const std::string& name, const std::string& value) const {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"labels", {{"role", "source"}}}}}, {"data", {{"v", value}}}};
  }
  std::string mirror_value(const std::string& name) const {
    auto m = client_->get(resources::configmaps(), ns(), name + "-mirror");
    return m ? (*m)["data"].value("v", "") : "";
  }
  std::optional<Client> client_;
};

TEST_F(ControllerTest, ManagerRunsAControllerThatConvergesRetriesAndServesHealth) {
  Manager manager(*client_, {.name = "mirror", .health_port = 0,
                             .events = {.reporting_controller = "pave.test/mirror", .reporting_instance = "test"}});
  Informer& sources = manager.informer(resources::configmaps(), {.namespace_ = ns(), .label_selector = "role=source"});
  Informer& mirrors = manager.informer(resources::configmaps(), {.namespace_ = ns(), .label_selector = "role=mirror"});
  EXPECT_EQ(&sources, &manager.informer(resources::configmaps(), {.namespace_ = ns(), .label_selector = "role=source"}))
      << "informers are shared";
  auto reconciler = std::make_shared<MirrorReconciler>(*client_, sources, manager.events());
  Controller& controller = manager.add_controller("mirror", reconciler, {.workers = 2});
  controller.watch(sources);
  controller.watch_owned(mirrors, resources::configmaps());

  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), source("a", "1")));
  std::thread runner([&] { EXPECT_TRUE(manager.run().has_value()); });

  // Converges on existing and new objects, and follows changes.
  EXPECT_TRUE(eventually([&] { return mirror_value("a") == "1"; }, 20s));
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), source("b", "2")));
  EXPECT_TRUE(eventually([&] { return mirror_value("b") == "2"; }, 20s));
  ASSERT_TRUE(client_->patch(resources::configmaps(), ns(), "a", PatchType::kMerge, {{"data", {{"v", "changed"}}}}));
  EXPECT_TRUE(eventually([&] { return mirror_value("a") == "changed"; }, 20s));

  // Deleting an owned object wakes its owner, which puts it back.
  ASSERT_TRUE(client_->remove(resources::configmaps(), ns(), "b-mirror"));
  EXPECT_TRUE(eventually([&] { return mirror_value("b") == "2"; }, 20s)) << "the owner was not reconciled";

  // Errors are retried with backoff until they pass.
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), source("flaky", "3")));
  EXPECT_TRUE(eventually([&] { return mirror_value("flaky") == "3"; }, 20s));
  // Two failures, the success, and possibly one more when the new mirror wakes its owner.
  EXPECT_GE(reconciler->calls("flaky"), 3);

  // Health, readiness and metrics.
  const std::string base = "http://127.0.0.1:" + std::to_string(manager.health()->port());
  auto healthz = base::run({.argv = {"curl", "-s", "-w", " %{http_code}", base + "/healthz"}});
  EXPECT_EQ(healthz.out, "ok\n 200");
  auto readyz = base::run({.argv = {"curl", "-s", base + "/readyz?verbose"}});
  EXPECT_NE(readyz.out.find("[+]informers-synced ok"), std::string::npos) << readyz.out;
  auto metrics = base::run({.argv = {"curl", "-s", base + "/metrics"}}).out;
  EXPECT_NE(metrics.find(R"(controller_runtime_reconcile_total{controller="mirror",result="success"})"), std::string::npos);
  EXPECT_NE(metrics.find(R"(controller_runtime_reconcile_errors_total{controller="mirror"} 2)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(workqueue_retries_total{name="mirror"} 2)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(rest_client_requests_total{code="200",method="GET"})"), std::string::npos);
  EXPECT_NE(metrics.find("workqueue_depth{name=\"mirror\"}"), std::string::npos);

  manager.stop();
  runner.join();
}

TEST_F(ControllerTest, RepeatedEventsAreAggregatedIntoOneSeries) {
  auto created = client_->create(resources::configmaps(), ns(), source("noisy", "1"));
  ASSERT_TRUE(created.has_value());
  {
    EventRecorder events(*client_, {.reporting_controller = "pave.test/events", .reporting_instance = "test"});
    for (int i = 0; i < 5; ++i) events.warning(*created, "Broken", "Reconcile", "the same thing went wrong");
    events.normal(*created, "Fixed", "Reconcile", "better now");
    events.flush();
  }
  auto list = client_->list(resources::events(), ns());
  ASSERT_TRUE(list.has_value());
  std::map<std::string, Json> by_reason;
  for (const auto& e : list->items) by_reason[e.value("reason", "")] = e;
  ASSERT_EQ(by_reason.size(), 2u) << "five repeats make one Event, plus the different one";
  const Json& broken = by_reason["Broken"];
  EXPECT_EQ(broken["type"], "Warning");
  EXPECT_EQ(broken["series"]["count"], 5);
  EXPECT_EQ(broken["regarding"]["name"], "noisy");
  EXPECT_EQ(broken["regarding"]["uid"], meta::uid(*created));
  EXPECT_EQ(broken["reportingController"], "pave.test/events");
  EXPECT_FALSE(by_reason["Fixed"].contains("series"));
}

}  // namespace
}  // namespace pave::kube
