// ResourceBindings and upgrades on the real control plane with pipelines run by the pod runner
// (kratix-spec.md 1.3, 1.4, 6.4; Kratix's system tests promise_revision_test and
// resource_binding_default_version_test). Each pipeline writes the version it ran into the request's
// status (status.yaml), so what ran is visible on the request.
#include <gtest/gtest.h>

#include "api/naming.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

class ResourceBindingsTest : public WorkflowFixture {
 protected:
  // Promise `name` (API Kind) at `version`, whose pipeline records `ran` in the request's status.ranWith,
  // or fails when `fails`.
  Json versioned(const std::string& name, const std::string& kind, const std::string& version, const std::string& ran,
                 bool fails = false) {
    Json p = promise(name, kind,
                     Json::array({pipeline("configure", fails ? "exit 1" : "echo 'ranWith: " + ran + "' > /kratix/metadata/status.yaml",
                                           fails ? Json{{"jobOptions", {{"backoffLimit", 0}}}} : Json::object())}));
    p["metadata"]["labels"]["kratix.io/promise-version"] = version;
    return p;
  }
  // A field of the binding of request rr.
  std::string binding(const std::string& rr, const std::string& path) {
    return kubectl({"get", "resourcebindings", "-l", "kratix.io/resource-name=" + rr, "-o", "jsonpath={.items[*]" + path + "}"}).out;
  }
  std::string upgrade(const std::string& rr) {
    const std::string c = ".status.conditions[?(@.type==\"UpgradeSucceeded\")]";
    return binding(rr, c + ".status") + "|" + binding(rr, c + ".reason") + "|" + binding(rr, c + ".message");
  }
  void pin(const std::string& rr, const std::string& version) {
    const std::string name = binding(rr, ".metadata.name");
    ASSERT_FALSE(name.empty()) << rr;
    ASSERT_TRUE(kubectl({"patch", "resourcebinding", name, "--type=merge", "-p", R"({"spec":{"version":")" + version + R"("}})"}).ok());
  }
  std::string latest_revision(const std::string& promise) {
    return cluster().kubectl({"get", "promiserevisions", "-l", "kratix.io/promise-name=" + promise + ",kratix.io/latest-revision=true",
                              "-o", "jsonpath={.items[*].spec.version} {.items[*].status.latest}"}).out;
  }
};

TEST_F(ResourceBindingsTest, LatestBoundRequestsFollowTheLatestRevisionAndPinnedOnesStay) {
  apply(versioned("upgrade", "Upgrade", "v0.1.0-BETA", "before"));
  ASSERT_TRUE(eventually([&] { return promise_field("upgrade", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  EXPECT_EQ(latest_revision("upgrade"), "v0.1.0-BETA true");
  Json one = request("Upgrade", "rr-one");
  one["metadata"]["labels"]["environment"] = "staging";
  apply(one);
  apply(request("Upgrade", "rr-two"));
  for (const char* name : {"rr-one", "rr-two"}) {
    ASSERT_TRUE(eventually([&] { return reconciled("Upgrade", name); }, kLong, kPoll)) << debug();
    EXPECT_EQ(rr("Upgrade", name, "{.status.ranWith} {.status.promiseVersion} {.status.resourceBindingVersion}"),
              "before v0.1.0-BETA latest");
    EXPECT_EQ(binding(name, ".metadata.name"), api::deterministic_name(std::string(name) + "-upgrade"));
    EXPECT_EQ(binding(name, ".spec.version} {.items[*].status.lastAppliedVersion"), "latest v0.1.0-BETA");
    EXPECT_TRUE(has_event(name, "Normal", "BindingCreated Binding " + api::deterministic_name(std::string(name) + "-upgrade") +
                                              " created for promise upgrade version latest")) << events_of(name);
  }
  // The binding carries the request's labels, and follows them.
  EXPECT_EQ(binding("rr-one", ".metadata.labels"),
            R"({"environment":"staging","kratix.io/promise-name":"upgrade","kratix.io/resource-name":"rr-one"})");
  ASSERT_TRUE(kubectl({"label", "upgrade", "rr-one", "environment=production", "--overwrite"}).ok());
  ASSERT_TRUE(eventually([&] { return binding("rr-one", ".metadata.labels.environment") == "production"; }, 60s, kPoll));
  ASSERT_TRUE(kubectl({"label", "upgrade", "rr-one", "environment-"}).ok());
  ASSERT_TRUE(eventually([&] {
    return binding("rr-one", ".metadata.labels") == R"({"kratix.io/promise-name":"upgrade","kratix.io/resource-name":"rr-one"})";
  }, 60s, kPoll));

  pin("rr-two", "v0.1.0-BETA");
  apply(versioned("upgrade", "Upgrade", "v0.2.0-NEXTVERSION", "after"));
  ASSERT_TRUE(eventually([&] { return latest_revision("upgrade") == "v0.2.0-NEXTVERSION true"; }, kLong, kPoll));
  // The latest-bound request is upgraded and its binding says so.
  ASSERT_TRUE(eventually([&] { return rr("Upgrade", "rr-one", "{.status.ranWith} {.status.promiseVersion}") == "after v0.2.0-NEXTVERSION"; },
                         kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] { return binding("rr-one", ".status.lastAppliedVersion") == "v0.2.0-NEXTVERSION"; }, kLong, kPoll));
  EXPECT_EQ(upgrade("rr-one"), "True|UpgradeComplete|Resource is at version v0.2.0-NEXTVERSION");
  // The pinned one runs its own version's spec, whatever re-runs the Promise change brings.
  std::this_thread::sleep_for(5s);  // Kratix's check: it stays where it is (nothing to wait for)
  EXPECT_EQ(rr("Upgrade", "rr-two", "{.status.ranWith} {.status.promiseVersion}"), "before v0.1.0-BETA")
      << kubectl({"get", "resourcebindings", "-o", "yaml"}).out << rr("Upgrade", "rr-two", "{.status}");
  // Pinned to the new version, it moves.
  pin("rr-two", "v0.2.0-NEXTVERSION");
  ASSERT_TRUE(eventually([&] {
    return rr("Upgrade", "rr-two", "{.status.ranWith} {.status.promiseVersion} {.status.resourceBindingVersion}") ==
           "after v0.2.0-NEXTVERSION v0.2.0-NEXTVERSION";
  }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] { return binding("rr-two", ".status.lastAppliedVersion") == "v0.2.0-NEXTVERSION"; }, kLong, kPoll));
  EXPECT_TRUE(has_event("rr-two", "Normal", "ResourceBindingVersionUpdated Resource binding version updated to v0.2.0-NEXTVERSION"))
      << events_of("rr-two");
}

TEST_F(ResourceBindingsTest, AFailedUpgradeStaysFailedUntilRetriedAndBindingsComeBack) {
  apply(versioned("upgradefail", "UpgradeFail", "v0.1.0-BETA", "v1"));
  ASSERT_TRUE(eventually([&] { return promise_field("upgradefail", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  apply(request("UpgradeFail", "rr-one"));
  apply(request("UpgradeFail", "rr-two"));
  for (const char* name : {"rr-one", "rr-two"}) {
    ASSERT_TRUE(eventually([&] { return reconciled("UpgradeFail", name); }, kLong, kPoll)) << debug();
  }
  pin("rr-two", "v0.1.0-BETA");

  apply(versioned("upgradefail", "UpgradeFail", "v0.3.0-FAILING", "", /*fails=*/true));
  ASSERT_TRUE(eventually([&] { return upgrade("rr-one").starts_with("False|UpgradeFailed|"); }, kLong, kPoll))
      << upgrade("rr-one") << "\n" << debug();
  EXPECT_EQ(binding("rr-one", ".status.lastAppliedVersion} {.items[*].status.failedVersion"), "v0.1.0-BETA v0.3.0-FAILING");
  EXPECT_EQ(upgrade("rr-one"), "False|UpgradeFailed|A Configure Pipeline has failed: configure");
  // Not tried again on its own.
  const size_t jobs = names("jobs", of("rr-one", "configure"), ns()).size();
  std::this_thread::sleep_for(5s);  // a failed upgrade must stay put (nothing to wait for)
  EXPECT_EQ(names("jobs", of("rr-one", "configure"), ns()).size(), jobs) << "a failed upgrade is not retried by itself";
  EXPECT_TRUE(upgrade("rr-one").starts_with("False|UpgradeFailed|"));

  // Retried by hand: the label moves to the request, a new run fails again, the binding still says so.
  const std::string name = binding("rr-one", ".metadata.name");
  ASSERT_TRUE(kubectl({"label", "resourcebinding", name, "kratix.io/manual-reconciliation=true"}).ok());
  ASSERT_TRUE(eventually([&] { return binding("rr-one", ".metadata.labels.kratix\\.io/manual-reconciliation").empty(); }, 60s, kPoll));
  ASSERT_TRUE(eventually([&] { return names("jobs", of("rr-one", "configure"), ns()).size() > jobs; }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] { return upgrade("rr-one").starts_with("False|UpgradeFailed|"); }, kLong, kPoll)) << upgrade("rr-one");
  EXPECT_EQ(binding("rr-one", ".status.failedVersion"), "v0.3.0-FAILING");

  // A fixed version applied: the upgrade completes.
  apply(versioned("upgradefail", "UpgradeFail", "v0.2.0-NEXTVERSION", "v2"));
  ASSERT_TRUE(eventually([&] { return upgrade("rr-one") == "True|UpgradeComplete|Resource is at version v0.2.0-NEXTVERSION"; },
                         kLong, kPoll)) << upgrade("rr-one") << "\n" << debug();
  EXPECT_EQ(binding("rr-one", ".status.lastAppliedVersion}|{.items[*].status.failedVersion"), "v0.2.0-NEXTVERSION|");
  EXPECT_EQ(rr("UpgradeFail", "rr-two", "{.status.ranWith} {.status.promiseVersion}"), "v1 v0.1.0-BETA") << "pinned";

  // Deleted bindings come back at the version their requests ran with.
  ASSERT_TRUE(kubectl({"delete", "resourcebindings", "-l", "kratix.io/promise-name=upgradefail"}).ok());
  ASSERT_TRUE(eventually([&] { return binding("rr-one", ".spec.version") == "latest"; }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] { return binding("rr-two", ".spec.version") == "v0.1.0-BETA"; }, kLong, kPoll)) << debug();

  // A deleted request takes its binding with it.
  ASSERT_TRUE(kubectl({"delete", "upgradefail", "rr-one", "--timeout=120s"}).ok());
  EXPECT_TRUE(binding("rr-one", ".metadata.name").empty());

  // A binding made before its request pins it.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, Json{{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "ResourceBinding"},
      {"metadata", {{"name", "pre-created-binding-for-rr-three"},
                    {"labels", {{"kratix.io/promise-name", "upgradefail"}, {"kratix.io/resource-name", "rr-three"}}}}},
      {"spec", {{"version", "v0.1.0-BETA"}, {"promiseRef", {{"name", "upgradefail"}}},
                {"resourceRef", {{"name", "rr-three"}, {"namespace", ns()}}}}}}.dump()).ok());
  apply(request("UpgradeFail", "rr-three"));
  ASSERT_TRUE(eventually([&] { return reconciled("UpgradeFail", "rr-three"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(rr("UpgradeFail", "rr-three", "{.status.ranWith} {.status.promiseVersion}"), "v1 v0.1.0-BETA");
  EXPECT_EQ(binding("rr-three", ".metadata.name"), "pre-created-binding-for-rr-three") << "adopted, not a second one";

  // A binding naming a version that was never installed: the request says so and runs nothing new.
  pin("rr-three", "v9.9.9");
  ASSERT_TRUE(kubectl({"label", "upgradefail", "rr-three", "kratix.io/manual-reconciliation=true"}).ok());
  EXPECT_TRUE(has_event("rr-three", "Warning", "FailedPromiseRevisionLookup cannot find a PromiseRevision for Promise upgradefail "
                                               "with version v9.9.9: promise revision not found")) << events_of("rr-three");
  EXPECT_EQ(rr("UpgradeFail", "rr-three", "{.status.promiseVersion}"), "v0.1.0-BETA");
}

TEST_F(ResourceBindingsTest, DeletingARevisionDeletesTheRequestsPinnedToIt) {
  apply(versioned("retired", "Retired", "v1", "v1"));
  ASSERT_TRUE(eventually([&] { return promise_field("retired", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  apply(request("Retired", "pinned"));
  apply(request("Retired", "floating"));
  for (const char* name : {"pinned", "floating"}) {
    ASSERT_TRUE(eventually([&] { return reconciled("Retired", name); }, kLong, kPoll)) << debug();
  }
  pin("pinned", "v1");
  Json v2 = versioned("retired", "Retired", "v2", "v2");
  v2["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "2h";
  apply(v2);
  ASSERT_TRUE(eventually([&] { return latest_revision("retired") == "v2 true"; }, kLong, kPoll));
  // The Promise's re-run interval is its revision's (what requests bound to it read).
  EXPECT_EQ(cluster().kubectl({"get", "promiserevisions", "-l", "kratix.io/promise-name=retired,kratix.io/latest-revision=true", "-o",
                               "jsonpath={.items[*].metadata.annotations.kratix\\.io/reconciliation-interval}"}).out, "2h");
  const std::string v1 = cluster().kubectl({"get", "promiserevisions", "-l", "kratix.io/promise-name=retired", "-o",
                                            "jsonpath={.items[?(@.spec.version==\"v1\")].metadata.name}"}).out;
  ASSERT_FALSE(v1.empty());
  EXPECT_EQ(cluster().kubectl({"get", "promiserevision", v1, "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["kratix.io/resource-request-cleanup"])");
  ASSERT_TRUE(cluster().kubectl({"delete", "promiserevision", v1, "--timeout=120s"}).ok());
  EXPECT_FALSE(kubectl({"get", "retired", "pinned"}).ok()) << "the request pinned to v1 went with it";
  EXPECT_TRUE(kubectl({"get", "retired", "floating"}).ok()) << "a latest-bound request stays";
  EXPECT_TRUE(has_event(v1, "Normal", "ResourceRequestDeleted Deleted Retired " + ns() + "/pinned pinned to version v1"))
      << events_of(v1);
}

TEST_F(ResourceBindingsTest, ThePinnedStrategyStartsBindingsAtTheLatestVersion) {
  stop_controllers();
  ASSERT_TRUE(cluster().kubectl({"create", "configmap", "kratix", "-n", "kratix-platform-system",
                                 "--from-literal=config=resourceBindingVersionStrategy: pinned\n"}).ok());
  start_controllers();
  apply(versioned("rbversion", "Rbversion", "v1.0.0", "v1"));
  ASSERT_TRUE(eventually([&] { return promise_field("rbversion", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  apply(request("Rbversion", "example"));
  ASSERT_TRUE(eventually([&] { return reconciled("Rbversion", "example"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(binding("example", ".spec.version"), "v1.0.0");
  EXPECT_EQ(rr("Rbversion", "example", "{.status.resourceBindingVersion}"), "v1.0.0");
}

}  // namespace
}  // namespace pave::testing
