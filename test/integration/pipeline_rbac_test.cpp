// A pipeline's rbac.permissions on the real control plane (kratix-spec.md 2.4, 3.4; Kratix's system test
// rbac_test), proved by asking the API server what the pipeline's ServiceAccount may do (`kubectl auth
// can-i --as`): rules in the pipeline's namespace, in a named namespace and in every namespace; permissions
// the Promise drops are deleted before its next Job; a request's RBAC stays after the request goes and is
// removed with the Promise.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

constexpr const char* kSystem = "kratix-platform-system";

class PipelineRbacTest : public WorkflowFixture {
 protected:
  // What the pipeline's ServiceAccount may do: "yes" or "no".
  std::string can_i(const std::string& verb, const std::string& resource, const std::string& in) {
    std::vector<std::string> args{"auth", "can-i", verb, resource,
                                  "--as=system:serviceaccount:" + ns() + ":wf-rbac-resource-configure-granted"};
    if (in == "*") args.push_back("--all-namespaces");
    else args.insert(args.end(), {"-n", in});
    auto out = cluster().kubectl(args).out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  // The Promise, its one pipeline granted configmaps here, deployments everywhere and, with_secrets,
  // secrets in kratix-platform-system; marker changes the spec.
  static Json rbac_promise(bool with_secrets, const std::string& marker) {
    Json permissions = Json::array({{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get", "list"}}},
                                    {{"apiGroups", {"apps"}}, {"resources", {"deployments"}}, {"verbs", {"list"}},
                                     {"resourceNamespace", "*"}}});
    if (with_secrets) {
      permissions.push_back({{"apiGroups", {""}}, {"resources", {"secrets"}}, {"verbs", {"get"}}, {"resourceNamespace", kSystem}});
    }
    return promise("wf-rbac", "Rbac",
                   Json::array({pipeline("granted", "echo " + marker, {{"rbac", {{"permissions", permissions}}}})}));
  }
  size_t labelled(const std::string& kinds) {
    return cluster().kubectl({"get", kinds, "-A", "-l", "kratix.io/promise-name=wf-rbac", "-o", "name"}).out.size();
  }
};

TEST_F(PipelineRbacTest, PermissionsAreGrantedWhereAskedAndNoMore) {
  apply(rbac_promise(true, "one"));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-rbac", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Rbac", "rbac-req"));
  ASSERT_TRUE(eventually([&] { return reconciled("Rbac", "rbac-req"); }, kLong, kPoll)) << debug();

  EXPECT_EQ(can_i("get", "configmaps", ns()), "yes");
  EXPECT_EQ(can_i("list", "configmaps", ns()), "yes");
  EXPECT_EQ(can_i("delete", "configmaps", ns()), "no");
  EXPECT_EQ(can_i("get", "configmaps", "default"), "no") << "no resourceNamespace: the pipeline's namespace only";
  EXPECT_EQ(can_i("get", "secrets", kSystem), "yes");
  EXPECT_EQ(can_i("get", "secrets", ns()), "no");
  // Secrets anywhere else stay out of reach: only the namespace the Promise named was granted.
  EXPECT_EQ(can_i("get", "secrets", "kube-system"), "no");
  EXPECT_EQ(can_i("get", "secrets", "default"), "no");
  EXPECT_EQ(can_i("list", "secrets", "*"), "no");
  EXPECT_EQ(can_i("list", "deployments.apps", "default"), "yes");
  EXPECT_EQ(can_i("list", "deployments.apps", "*"), "yes");
  EXPECT_EQ(can_i("delete", "deployments.apps", "default"), "no");

  // The Promise drops the secrets permission: gone before the request's next Job runs.
  apply(rbac_promise(false, "two"));
  ASSERT_TRUE(eventually([&] { return names("jobs", of("rbac-req", "granted"), ns()).size() >= 2; }, kLong, kPoll)) << debug();
  ASSERT_TRUE(eventually([&] {
    for (const auto& j : names("jobs", of("rbac-req", "granted"), ns())) {
      if (!job_complete(j, ns())) return false;
    }
    return reconciled("Rbac", "rbac-req");
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(can_i("get", "secrets", kSystem), "no");
  EXPECT_EQ(can_i("list", "secrets", "*"), "no");
  EXPECT_EQ(can_i("get", "configmaps", ns()), "yes") << "what it still asks for stays";

  // The request's RBAC outlives it; the Promise's deletion removes it all.
  ASSERT_TRUE(kubectl({"delete", "rbacs.wftest.kratix.io", "rbac-req", "--timeout=120s"}).ok());
  EXPECT_EQ(can_i("get", "configmaps", ns()), "yes") << "kept until the Promise goes (Kratix's rbac test)";
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "wf-rbac", "--timeout=180s"}).ok());
  EXPECT_EQ(labelled("roles,rolebindings,clusterroles,clusterrolebindings,serviceaccounts"), 0u);
  EXPECT_EQ(can_i("get", "configmaps", ns()), "no");
}

// rbac.serviceAccount: a ServiceAccount the user made is used as it is and outlives the Promise; one that
// does not exist is made, labelled, and goes with the Promise.
TEST_F(PipelineRbacTest, ANamedServiceAccountIsAdoptedWithoutBeingChanged) {
  ASSERT_TRUE(kubectl({"create", "serviceaccount", "users-own"}).ok());
  ASSERT_TRUE(kubectl({"label", "serviceaccount", "users-own", "owner=me"}).ok());
  Json p = promise("wf-sa", "Sa", Json::array({pipeline("own", "echo own", {{"rbac", {{"serviceAccount", "users-own"}}}}),
                                              pipeline("made", "echo made", {{"rbac", {{"serviceAccount", "made-for-me"}}}})}));
  apply(p);
  ASSERT_TRUE(eventually([&] { return promise_field("wf-sa", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Sa", "sa-req"));
  ASSERT_TRUE(eventually([&] { return reconciled("Sa", "sa-req"); }, kLong, kPoll)) << debug();
  const auto own = names("jobs", of("sa-req", "own"), ns());
  const auto made = names("jobs", of("sa-req", "made"), ns());
  ASSERT_EQ(own.size(), 1u);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(get("job", own[0], "{.spec.template.spec.serviceAccountName}"), "users-own");
  EXPECT_EQ(get("job", made[0], "{.spec.template.spec.serviceAccountName}"), "made-for-me");
  EXPECT_EQ(get("serviceaccount", "users-own", "{.metadata.labels}"), R"({"owner":"me"})") << "the user's own is never changed";
  EXPECT_EQ(get("serviceaccount", "made-for-me", "{.metadata.labels.kratix\\.io/promise-name}"), "wf-sa");

  ASSERT_TRUE(kubectl({"delete", "sas.wftest.kratix.io", "sa-req", "--timeout=120s"}).ok());
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "wf-sa", "--timeout=180s"}).ok());
  EXPECT_TRUE(kubectl({"get", "serviceaccount", "users-own"}).ok()) << "the user's own stays";
  EXPECT_FALSE(kubectl({"get", "serviceaccount", "made-for-me"}).ok()) << "the one Pave made goes with the Promise";
}

}  // namespace
}  // namespace pave::testing
