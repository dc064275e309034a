// Compound Promises on the real control plane (kratix-spec.md 2.1 step 5, 2.2, 6.2; Kratix's system test
// compound_promise_test): a Promise requiring another is Unavailable, and its requests Pending, until the
// required Promise is installed at the version asked for and Available; the required Promise lists it in
// status.requiredBy; upgrading the required Promise keeps it Available while a PromiseRevision of the version
// asked for exists; a version never installed, or the required Promise going away, makes it Unavailable
// again; deleting the compound Promise leaves the Promises it requires.
#include <gtest/gtest.h>

#include "api/naming.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

using CompoundPromisesTest = WorkflowFixture;

Json sub_promise(const std::string& version) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Promise"},
          {"metadata", {{"name", "sub-promise"}, {"labels", {{"kratix.io/promise-version", version}}}}},
          {"spec", Json::object()}};
}

TEST_F(CompoundPromisesTest, RequirementsGateAvailabilityAndRequests) {
  Json compound = promise("compound-promise", "Compound", Json::array({pipeline("do-nothing", "echo 'I am doing nothing'")}));
  compound["spec"]["requiredPromises"] = Json::array({{{"name", "sub-promise"}, {"version", "v1.0.0"}}});
  apply(compound);
  auto field = [&](const std::string& path) { return promise_field("compound-promise", path); };
  ASSERT_TRUE(eventually([&] { return field("{.status.requiredPromises[0].state}") == "Requirement not installed"; },
                         kLong, kPoll)) << debug();
  EXPECT_EQ(field("{.status.requiredPromises[0].name} {.status.requiredPromises[0].version}"), "sub-promise v1.0.0");
  EXPECT_EQ(field(condition("RequirementsFulfilled", "status") + "|" + condition("RequirementsFulfilled", "reason") + "|" +
                  condition("RequirementsFulfilled", "message")),
            "False|RequirementsNotInstalled|Requirements not fulfilled");
  ASSERT_TRUE(eventually([&] { return field("{.status.status}") == "Unavailable"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(field(condition("Reconciled", "status") + "|" + condition("Reconciled", "reason") + "|" +
                  condition("Reconciled", "message")),
            "Unknown|RequirementsNotFulfilled|Pending");

  apply(request("Compound", "example-compound-rr"));
  auto request_field = [&](const std::string& path) { return rr("Compound", "example-compound-rr", path); };
  ASSERT_TRUE(eventually([&] { return request_field("{.status.message}") == "Pending"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(request_field(condition("PromiseAvailable", "status") + "|" + condition("PromiseAvailable", "reason") + "|" +
                          condition("PromiseAvailable", "message")),
            "False|PromiseRequirementsNotInstalled|Promise Requirements are not installed");
  EXPECT_TRUE(names("jobs", "kratix.io/resource-name=example-compound-rr", ns()).empty()) << "no workflow while Pending";

  // The requirement installed: the compound Promise becomes Available and its request is fulfilled.
  apply(sub_promise("v1.0.0"));
  ASSERT_TRUE(eventually([&] { return field("{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(field("{.status.requiredPromises[0].state}"), "Requirement installed");
  EXPECT_EQ(field(condition("RequirementsFulfilled", "status") + "|" + condition("RequirementsFulfilled", "reason") + "|" +
                  condition("RequirementsFulfilled", "message")),
            "True|RequirementsInstalled|Requirements fulfilled");
  ASSERT_TRUE(eventually([&] { return field(condition("Reconciled", "status")) == "True"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(promise_field("sub-promise", "{.status.requiredBy[0].promise.name} {.status.requiredBy[0].requiredVersion}"),
            "compound-promise v1.0.0");
  ASSERT_TRUE(eventually([&] { return request_field("{.status.message}") == "Resource requested"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(request_field(condition("PromiseAvailable", "status") + "|" + condition("PromiseAvailable", "message")),
            "True|Promise Requirements are met");

  // Upgraded past the version asked for: its PromiseRevision of v1.0.0 still holds that version, so the
  // compound Promise stays Available (as Kratix's newest system test has it).
  apply(sub_promise("v2.0.0"));
  ASSERT_TRUE(eventually([&] {
    return names("promiserevisions", "kratix.io/promise-name=sub-promise,kratix.io/latest-revision=true", "default") ==
           std::vector<std::string>{"sub-promise-" + api::md5_hex("v2.0.0").substr(0, 5)};
  }, kLong, kPoll)) << cluster().kubectl({"get", "promiserevisions", "-o", "yaml"}).out;
  const std::string v1 = "sub-promise-" + api::md5_hex("v1.0.0").substr(0, 5);
  // Its label and its status.latest are two writes (status is a subresource): one may be seen before the other.
  const auto v1_revision = [&] {
    return cluster().kubectl({"get", "promiserevision", v1, "-o", "jsonpath={.spec.version} {.spec.promiseRef.name} {.status.latest}"}).out;
  };
  EXPECT_TRUE(eventually([&] { return v1_revision() == "v1.0.0 sub-promise false"; }, kLong, kPoll)) << v1_revision();
  EXPECT_TRUE(has_event("sub-promise", "Normal", "RevisionCreated"));
  for (int i = 0; i < 10; ++i) {  // the scenario: it holds for a while, not just at one moment
    EXPECT_EQ(field("{.status.status}"), "Available");
    std::this_thread::sleep_for(1s);  // sampling: Available at every look for ten seconds
  }
  EXPECT_EQ(field("{.status.requiredPromises[0].state} " + condition("RequirementsFulfilled", "status")),
            "Requirement installed True");

  // A version never installed is not.
  Json pinned = compound;
  pinned["spec"]["requiredPromises"][0]["version"] = "v3.0.0";
  apply(pinned);
  ASSERT_TRUE(eventually([&] {
    return field("{.status.requiredPromises[0].state}") == "Requirement not installed at the specified version" &&
           field("{.status.status}") == "Unavailable";
  }, kLong, kPoll)) << debug();
  EXPECT_TRUE(has_event("compound-promise", "Warning", "Unavailable Promise no longer available: Requirements have changed"));
  apply(compound);
  ASSERT_TRUE(eventually([&] { return field("{.status.status}") == "Available"; }, kLong, kPoll)) << debug();

  // The required Promise deleted: Unavailable again.
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "sub-promise", "--timeout=120s"}).ok());
  ASSERT_TRUE(eventually([&] {
    return field("{.status.status}") == "Unavailable" && field("{.status.requiredPromises[0].state}") == "Requirement not installed";
  }, kLong, kPoll)) << debug();
}

TEST_F(CompoundPromisesTest, DeletingTheCompoundPromiseKeepsItsRequirements) {
  Json compound = promise("compound-promise", "Compound", Json::array());
  compound["spec"]["requiredPromises"] = Json::array({{{"name", "sub-promise"}, {"version", "v1.0.0"}}});
  apply(sub_promise("v1.0.0"));
  apply(compound);
  ASSERT_TRUE(eventually([&] { return promise_field("compound-promise", "{.status.status}") == "Available"; }, kLong, kPoll))
      << debug();
  ASSERT_EQ(promise_field("sub-promise", "{.status.requiredBy[*].promise.name}"), "compound-promise");
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "compound-promise", "--timeout=120s"}).ok());
  EXPECT_EQ(promise_field("sub-promise", "{.metadata.name}"), "sub-promise");
  EXPECT_EQ(promise_field("sub-promise", "{.status.requiredBy[*].promise.name}"), "") << "it no longer requires it";
  EXPECT_EQ(promise_field("sub-promise", "{.status.status}"), "Available");
}

}  // namespace
}  // namespace pave::testing
