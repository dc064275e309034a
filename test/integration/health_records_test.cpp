// HealthRecords on the real control plane (kratix-spec.md 6.3, Kratix's system test healthchecks_test):
// records from several namespaces about one request are gathered onto its status.healthStatus with the
// worst state, updates propagate, an Event says when the state moves, and a deleted record leaves the list.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

using HealthRecordsTest = WorkflowFixture;

Json health_record(const std::string& name, const std::string& ns, const std::string& request_ns, const std::string& state) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "HealthRecord"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"promiseRef", {{"name", "wf-health"}}}, {"resourceRef", {{"name", "checked"}, {"namespace", request_ns}}},
                    {"state", state}, {"lastRun", 1767225600}, {"details", {{"probe", name}}}}}};
}

TEST_F(HealthRecordsTest, RecordsAreAggregatedOntoTheRequest) {
  apply(promise("wf-health", "Health", Json::array()));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-health", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Health", "checked"));
  auto field = [&](const std::string& path) { return rr("Health", "checked", path); };
  ASSERT_TRUE(eventually([&] { return reconciled("Health", "checked"); }, kLong, kPoll)) << debug();

  // One record in the request's namespace, one in another.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, health_record("db-probe", ns(), ns(), "healthy").dump()).ok());
  ASSERT_TRUE(eventually([&] { return field("{.status.healthStatus.state}") == "healthy"; }, 60s, kPoll)) << debug();
  EXPECT_TRUE(has_event("checked", "Normal", "HealthRecord Health state is healthy")) << events_of("checked");
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"},
                                health_record("latency", "kratix-platform-system", ns(), "degraded").dump()).ok());
  ASSERT_TRUE(eventually([&] { return field("{.status.healthStatus.state}") == "degraded"; }, 60s, kPoll)) << debug();
  EXPECT_EQ(field("{.status.healthStatus.healthRecords[*].source.namespace}"), ns() + " kratix-platform-system")
      << "sorted by namespace, then name";
  EXPECT_EQ(field("{.status.healthStatus.healthRecords[1].state} {.status.healthStatus.healthRecords[1].lastRun} "
                  "{.status.healthStatus.healthRecords[1].details.probe} {.status.healthStatus.healthRecords[1].source.name}"),
            "degraded 1767225600 latency latency");
  EXPECT_TRUE(has_event("checked", "Warning", "HealthRecord Health state is degraded")) << events_of("checked");
  EXPECT_EQ(field(condition("Reconciled", "status")), "True") << "the controller's status writes keep healthStatus";
  EXPECT_EQ(get("healthrecord", "db-probe", "{.metadata.finalizers[*]}"), "kratix.io/health-record-cleanup");

  // An update propagates; a deletion leaves the list.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"},
                                health_record("latency", "kratix-platform-system", ns(), "unhealthy").dump()).ok());
  ASSERT_TRUE(eventually([&] { return field("{.status.healthStatus.state}") == "unhealthy"; }, 60s, kPoll)) << debug();
  ASSERT_TRUE(cluster().kubectl({"delete", "healthrecord", "latency", "-n", "kratix-platform-system", "--timeout=60s"}).ok());
  ASSERT_TRUE(eventually([&] { return field("{.status.healthStatus.state}") == "healthy"; }, 60s, kPoll)) << debug();
  EXPECT_EQ(field("{.status.healthStatus.healthRecords[*].source.name}"), "db-probe");

  // A record of a request that is gone lets go when deleted.
  ASSERT_TRUE(kubectl({"delete", "healths.wftest.kratix.io", "checked", "--timeout=120s"}).ok());
  ASSERT_TRUE(kubectl({"delete", "healthrecord", "db-probe", "--timeout=60s"}).ok());
}

}  // namespace
}  // namespace pave::testing
