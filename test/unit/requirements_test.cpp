// A compound Promise's requirements (kratix-spec.md 1.1, 2.1 step 5, 6.2): each state string of Kratix's,
// the RequirementsFulfilled condition, and status.requiredBy on the required Promise.
#include "platform/requirements.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

namespace pave::platform {
namespace {

using kube::Json;

Json compound(Json required) {
  return {{"metadata", {{"name", "compound"}, {"generation", 2}, {"labels", {{"kratix.io/promise-version", "v0.1.0"}}}}},
          {"spec", {{"requiredPromises", std::move(required)}}}};
}

kube::ObjectPtr promise(const std::string& name, const std::string& version, const std::string& status) {
  return std::make_shared<const Json>(Json{{"metadata", {{"name", name}}},
                                           {"status", {{"version", version}, {"status", status}}}});
}

Json states(const Json& p, std::map<std::string, kube::ObjectPtr> cluster, std::set<std::string> revisions = {}) {
  return required_promises_status(
      p, {.promise = [&](const std::string& n) { return cluster.count(n) ? cluster[n] : nullptr; },
          .has_revision = [&](const std::string& n, const std::string& v) { return revisions.count(n + "@" + v) > 0; }});
}

TEST(Requirements, EveryStateOfKratixs) {
  const Json p = compound(Json::array({{{"name", "missing"}, {"version", "v1"}},
                                       {{"name", "old"}, {"version", "v2"}},
                                       {{"name", "busy"}, {"version", "v1"}},
                                       {{"name", "ready"}, {"version", "v1"}},
                                       {{"name", "any"}}}));
  const Json s = states(p, {{"old", promise("old", "v1", "Available")},
                            {"busy", promise("busy", "v1", "Unavailable")},
                            {"ready", promise("ready", "v1", "Available")},
                            {"any", promise("any", "v9", "Available")}});
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], Json({{"name", "missing"}, {"version", "v1"}, {"state", "Requirement not installed"}}));
  EXPECT_EQ(s[1]["state"], "Requirement not installed at the specified version");
  EXPECT_EQ(s[2]["state"], "Requirement not available");
  EXPECT_EQ(s[3]["state"], "Requirement installed");
  EXPECT_EQ(s[4], Json({{"name", "any"}, {"state", "Requirement installed"}})) << "no version asked: any will do";
  EXPECT_FALSE(requirements_met(s));
}

TEST(Requirements, AnOlderVersionStillHeldAsARevisionIsInstalled) {
  const Json p = compound(Json::array({{{"name", "sub"}, {"version", "v1.0.0"}}}));
  const auto upgraded = promise("sub", "v2.0.0", "Available");
  EXPECT_EQ(states(p, {{"sub", upgraded}}, {"sub@v1.0.0", "sub@v2.0.0"})[0]["state"], "Requirement installed");
  EXPECT_EQ(states(p, {{"sub", upgraded}}, {"sub@v2.0.0"})[0]["state"], "Requirement not installed at the specified version");
  EXPECT_EQ(states(p, {}, {"sub@v1.0.0"})[0]["state"], "Requirement not installed") << "a revision without its Promise";
}

TEST(Requirements, ARequiredPromiseBeingDeletedIsNotInstalled) {
  Json deleting = *promise("sub", "v1", "Available");
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  const Json s = states(compound(Json::array({{{"name", "sub"}}})), {{"sub", std::make_shared<const Json>(deleting)}});
  EXPECT_EQ(s[0]["state"], "Requirement not installed");
}

TEST(Requirements, TheConditionSaysWhatIsMissing) {
  const api::Condition met = requirements_condition(Json::array({{{"state", "Requirement installed"}}}), 2);
  EXPECT_TRUE(met.status);
  EXPECT_EQ(met.reason, "RequirementsInstalled");
  EXPECT_EQ(met.message, "Requirements fulfilled");
  const api::Condition unavailable = requirements_condition(Json::array({{{"state", "Requirement not available"}}}), 2);
  EXPECT_FALSE(unavailable.status);
  EXPECT_EQ(unavailable.reason, "RequirementsNotAvailable");
  EXPECT_EQ(unavailable.message, "Requirements not fulfilled");
  const api::Condition missing =
      requirements_condition(Json::array({{{"state", "Requirement not installed at the specified version"}}}), 2);
  EXPECT_EQ(missing.reason, "RequirementsNotInstalled");
  EXPECT_TRUE(requirements_met(Json::array()));
}

TEST(RequiredBy, SetsReplacesAndRemovesTheDependentsEntry) {
  Json sub = {{"metadata", {{"name", "sub"}}},
              {"status", {{"requiredBy", Json::array({{{"promise", {{"name", "other"}}}, {"requiredVersion", "v3"}},
                                                      {{"promise", {{"name", "compound"}, {"version", "v0.0.1"}}}}})}}}};
  const Json list = required_by(sub, compound(Json::array()), "v1.0.0");
  EXPECT_EQ(list, Json::array({{{"promise", {{"name", "compound"}, {"version", "v0.1.0"}}}, {"requiredVersion", "v1.0.0"}},
                               {{"promise", {{"name", "other"}}}, {"requiredVersion", "v3"}}}));
  sub["status"]["requiredBy"] = list;
  EXPECT_EQ(required_by(sub, compound(Json::array()), "", true),
            Json::array({{{"promise", {{"name", "other"}}}, {"requiredVersion", "v3"}}}));
}

TEST(RequiredNames, AreTheRequiredPromisesNames) {
  EXPECT_EQ(required_names(compound(Json::array({{{"name", "a"}}, {{"name", "b"}, {"version", "v1"}}}))),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(required_names(Json::object()).empty());
}

}  // namespace
}  // namespace pave::platform
