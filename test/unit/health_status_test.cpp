// A request's status.healthStatus from its HealthRecords (kratix-spec.md 6.3): the worst state wins
// (unhealthy < degraded < unknown < healthy < ready), no records is ready, records being deleted are left
// out, and each record is listed with its state, lastRun, source and details.
#include <gtest/gtest.h>

#include <memory>

#include "platform/health_record_reconciler.h"

namespace pave::platform {
namespace {

using kube::Json;

kube::ObjectPtr record(const std::string& ns, const std::string& name, const std::string& state, bool deleting = false) {
  Json r = {{"metadata", {{"name", name}, {"namespace", ns}}},
            {"data", {{"promiseRef", {{"name", "db"}}}, {"resourceRef", {{"name", "prod"}, {"namespace", "team-a"}}},
                      {"state", state}, {"lastRun", 1767225600}}}};
  if (deleting) r["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  return std::make_shared<const Json>(std::move(r));
}

TEST(HealthStatus, NoRecordsIsReady) {
  EXPECT_EQ(health_status({}), Json({{"state", "ready"}, {"healthRecords", Json::array()}}));
}

TEST(HealthStatus, TheWorstStateWins) {
  EXPECT_EQ(health_status({record("a", "1", "healthy"), record("a", "2", "ready")})["state"], "healthy");
  EXPECT_EQ(health_status({record("a", "1", "healthy"), record("a", "2", "unknown")})["state"], "unknown");
  EXPECT_EQ(health_status({record("a", "1", "degraded"), record("a", "2", "unknown")})["state"], "degraded");
  EXPECT_EQ(health_status({record("a", "1", "degraded"), record("a", "2", "unhealthy"), record("a", "3", "ready")})["state"],
            "unhealthy");
}

TEST(HealthStatus, ListsEveryRecordSortedWithItsSource) {
  auto with_details = record("ops", "probe", "degraded");
  Json changed = *with_details;
  changed["data"]["details"] = {{"latencyMs", 900}};
  const Json status = health_status({std::make_shared<const Json>(changed), record("default", "check", "healthy")});
  ASSERT_EQ(status["healthRecords"].size(), 2u);
  EXPECT_EQ(status["healthRecords"][0], Json({{"state", "healthy"}, {"lastRun", 1767225600},
                                              {"source", {{"name", "check"}, {"namespace", "default"}}}}));
  EXPECT_EQ(status["healthRecords"][1]["details"], Json({{"latencyMs", 900}}));
  EXPECT_EQ(status["healthRecords"][1]["source"]["namespace"], "ops");
}

TEST(HealthStatus, RecordsBeingDeletedAreLeftOut) {
  const Json status = health_status({record("a", "1", "unhealthy", true), record("a", "2", "healthy")});
  EXPECT_EQ(status["state"], "healthy");
  EXPECT_EQ(status["healthRecords"].size(), 1u);
}

TEST(HealthStatus, AnUnknownStateCountsAsUnknown) {
  EXPECT_EQ(health_status({record("a", "1", "splendid"), record("a", "2", "ready")})["state"], "unknown");
}

}  // namespace
}  // namespace pave::platform
