// `pave get resources`: a request's pipelines, Works, placements and files in the store, as the cluster
// and the Git server have them (test/support/workflow_fixture.h: a real Git store, one Destination
// worker-1, pipelines run as Jobs by the pod runner).
#include <gtest/gtest.h>

#include "kube/json.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

class GetResources : public WorkflowFixture {
 protected:
  base::ProcessOutput pave(std::vector<std::string> args) {
    args.insert(args.begin(), PAVE_BINARY);
    args.insert(args.end(), {"--kubeconfig", cluster().kubeconfig});
    return base::run({.argv = args});
  }
};

TEST_F(GetResources, ShowsWhereARequestWent) {
  apply(promise("getres", "GetRes", Json::array({pipeline("render", R"(
name=$(yq '.metadata.name' /kratix/input/object.yaml)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n' "$name" > /kratix/output/configmap.yaml
echo 'message: rendered' > /kratix/metadata/status.yaml
)")})));
  ASSERT_TRUE(eventually([&] { return promise_field("getres", "{.status.status}") == "Available"; }, kLong)) << debug();
  apply(request("GetRes", "one"));
  ASSERT_TRUE(eventually([&] { return reconciled("GetRes", "one"); }, kLong)) << debug();
  const std::string file_path = "worker-1/resources/" + ns() + "/getres/one/render/5058f/configmap.yaml";
  ASSERT_TRUE(eventually([&] { return !file(file_path).empty(); }, 60s));

  auto shown = pave({"get", "resources", "getres", "one", "-n", ns(), "-o", "json"});
  ASSERT_TRUE(shown.ok()) << shown.err;
  const Json all = Json::parse(shown.out);
  ASSERT_EQ(all.size(), 1u) << shown.out;
  const Json& r = all[0];
  EXPECT_EQ(r["kind"], "GetRes");
  EXPECT_EQ(r["name"], "one");
  EXPECT_EQ(r["reconciled"], "True");
  EXPECT_EQ(r["message"], "rendered");
  ASSERT_EQ(r["pipelines"].size(), 1u) << shown.out;
  EXPECT_EQ(r["pipelines"][0]["name"], "render");
  EXPECT_EQ(r["pipelines"][0]["phase"], "Succeeded");
  EXPECT_EQ(r["pipelines"][0]["jobState"], "Complete");
  EXPECT_EQ(r["pipelines"][0]["job"], names("jobs", of("one", "render"), ns()).at(0));
  EXPECT_GE(r["pipelines"][0]["seconds"].get<long>(), 0);
  ASSERT_EQ(r["works"].size(), 1u) << shown.out;
  ASSERT_EQ(r["works"][0]["placements"].size(), 1u) << shown.out;
  const Json& p = r["works"][0]["placements"][0];
  EXPECT_EQ(p["destination"], "worker-1");
  EXPECT_EQ(p["ready"], true);
  EXPECT_EQ(p["misplaced"], false);
  EXPECT_EQ(p["stateStore"], "GitStateStore/wf");
  EXPECT_EQ(p["files"], Json::array({file_path}));
  // The version is the commit the store's branch has (no later write happened).
  const std::string head = git_->git(git_->clone("state"), {"rev-parse", "HEAD"}).out;
  EXPECT_EQ(p["version"].get<std::string>() + "\n", head);

  auto tree = pave({"get", "resources", "getres", "-n", ns()});
  ASSERT_TRUE(tree.ok()) << tree.err;
  EXPECT_NE(tree.out.find("GetRes " + ns() + "/one  Reconciled=True"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("pipeline render  Succeeded  Job "), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("-> Destination worker-1  Ready"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("       " + file_path + "\n"), std::string::npos) << tree.out;
  auto yaml = pave({"get", "resources", "getres", "-A", "-o", "yaml"});
  ASSERT_TRUE(yaml.ok()) << yaml.err;
  EXPECT_NE(yaml.out.find("name: one"), std::string::npos) << yaml.out;
}

TEST_F(GetResources, AnUnknownPromiseIsAClearError) {
  auto shown = pave({"get", "resources", "nosuchpromise"});
  EXPECT_FALSE(shown.ok());
  EXPECT_NE(shown.err.find("nosuchpromise"), std::string::npos) << shown.err;
}

}  // namespace
}  // namespace pave::testing
