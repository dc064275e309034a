// `pave test`: a Promise's pipelines run on this machine print the same Works, placements, state-store
// files and request status as the same Promise and request give on the real control plane, where the
// pipelines run as Jobs on the pod runner (test/support/workflow_fixture.h). The Promise is Kratix's core
// scenario (test/assets/core-promise, kratix-spec.md 7.2). Also: a failing container's log and exit code,
// a missing image, and a split promise directory.
#include <gtest/gtest.h>

#include <set>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/json.h"
#include "kube/yaml.h"
#include "statestore/layout.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

const std::string kAssets = PAVE_ASSETS_DIR "/core-promise";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

base::ProcessOutput pave_test(std::vector<std::string> args) {
  args.insert(args.begin(), {PAVE_BINARY, "test"});
  return base::run({.argv = args, .timeout = std::chrono::minutes(5)});
}

// Which Work this is, in words that do not depend on its random name suffix.
std::string work_key(const Json& work) {
  const Json labels = work["metadata"].value("labels", Json::object());
  return labels.value("kratix.io/work-type", "") + "/" + labels.value("kratix.io/pipeline-name", "") + "/" +
         labels.value("kratix.io/resource-name", "");
}

// A Work's groups with their workloads decoded: id -> {directory, selectors, filepath -> content}.
Json groups_of(const Json& work) {
  Json out = Json::object();
  for (const Json& g : work["spec"].value("workloadGroups", Json::array())) {
    Json files = Json::object();
    for (const Json& w : g.value("workloads", Json::array())) {
      files[w.value("filepath", "")] = statestore::decode_workload_content(w.value("content", "")).value();
    }
    out[g.value("id", "")] = {{"directory", g.value("directory", "")},
                              {"destinationSelectors", g.value("destinationSelectors", Json::array())},
                              {"files", files}};
  }
  return out;
}

// A status with its times taken out (they are when each side ran) and Work names as work_key()s.
Json without_times(Json status, const std::map<std::string, std::string>& work_keys) {
  for (const char* key : {"lastSuccessfulConfigureWorkflowTime"}) status.erase(key);
  for (Json& c : status["conditions"]) c.erase("lastTransitionTime");
  if (status.contains("kratix")) {
    status["kratix"]["workflows"].erase("lastSuccessfulConfigureWorkflowTime");
    for (Json& p : status["kratix"]["workflows"]["pipelines"]) p.erase("lastTransitionTime");
    for (Json& p : status["kratix"]["placements"]) p["work"] = work_keys.at(p["work"]);
    std::sort(status["kratix"]["placements"].begin(), status["kratix"]["placements"].end());
  }
  // Conditions by type: their order is the order each side first set them.
  Json by_type = Json::object();
  for (const Json& c : status["conditions"]) by_type[c.value("type", "")] = c;
  status["conditions"] = by_type;
  return status;
}

class PromiseTestCommand : public WorkflowFixture {};

TEST_F(PromiseTestCommand, PrintsTheWorksPlacementsFilesAndStatusTheClusterGives) {
  // worker-1 (environment=dev, target=worker-1) is the fixture's; worker-2 is the other target of the
  // second pipeline's split output, in another environment so every group has exactly one Destination.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\n"
      "metadata: {name: worker-2, labels: {target: worker-2, environment: prod}}\n"
      "spec: {path: worker-2, stateStoreRef: {kind: GitStateStore, name: wf}}\n").ok());
  ASSERT_TRUE(eventually([&] { return get("destination", "worker-2", condition("Ready", "status")) == "True"; }, 60s));

  // pave test, with the request in this test's namespace and the Destinations read from the cluster.
  base::TempDir dir = base::TempDir::create("pave-test-cmp").value();
  Json request = kube::parse_yaml(read(kAssets + "/example-resource.yaml")).value();
  request["metadata"]["namespace"] = ns();
  write(dir.path() / "request.yaml", kube::to_yaml(request));
  auto local = pave_test({kAssets + "/promise.yaml", "--request", (dir.path() / "request.yaml").string(),
                          "--kubeconfig", cluster().kubeconfig, "-o", "json"});
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  const Json predicted = Json::parse(local.out);
  ASSERT_EQ(predicted["completed"], true) << local.out;

  // The same Promise and request on the cluster.
  Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  apply(promise);
  ASSERT_TRUE(eventually([&] { return promise_field("testbundle", "{.status.status}") == "Available"; }, kLong)) << debug();
  apply(request);
  ASSERT_TRUE(eventually([&] { return get("testbundles.test.kratix.io", "kratix-test", condition("Reconciled", "status")) == "True"; }, kLong))
      << debug();

  // Works: the same ones, with the same groups, selectors and contents.
  const Json works = Json::parse(cluster().kubectl({"get", "works", "-A", "-l", "kratix.io/promise-name=testbundle", "-o", "json"}).out)["items"];
  std::map<std::string, Json> on_cluster, local_works;
  for (const Json& w : works) on_cluster[work_key(w)] = w;
  for (const Json& w : predicted["works"]) local_works[work_key(w)] = w;
  ASSERT_EQ(on_cluster.size(), 4u) << works.dump(2);
  ASSERT_EQ(local_works.size(), on_cluster.size()) << predicted["works"].dump(2);
  for (const auto& [key, w] : on_cluster) {
    ASSERT_TRUE(local_works.contains(key)) << key;
    const Json& mine = local_works[key];
    EXPECT_EQ(mine["metadata"]["namespace"], w["metadata"]["namespace"]) << key;
    EXPECT_EQ(mine["metadata"]["labels"], w["metadata"]["labels"]) << key;
    EXPECT_EQ(mine["spec"].value("resourceName", ""), w["spec"].value("resourceName", "")) << key;
    EXPECT_EQ(groups_of(mine), groups_of(w)) << key;
    // The Work's conditions, as the Work reconciler set them.
    for (const char* type : {"Ready", "ScheduleSucceeded"}) {
      for (const Json& c : w["status"]["conditions"]) {
        if (c["type"] != type) continue;
        const Json* m = nullptr;
        for (const Json& mc : mine["status"]["conditions"]) if (mc["type"] == type) m = &mc;
        ASSERT_NE(m, nullptr) << key << " " << type;
        EXPECT_EQ((*m)["status"], c["status"]) << key << " " << type;
        EXPECT_EQ((*m)["message"], c["message"]) << key << " " << type;
      }
    }
  }

  // Placements: each group on the Destination the scheduler chose.
  std::set<std::string> placed, predicted_placed;
  const Json wps = Json::parse(cluster().kubectl({"get", "workplacements", "-A", "-o", "json"}).out)["items"];
  for (const Json& wp : wps) {
    const Json& labels = wp["metadata"]["labels"];
    for (const auto& [key, w] : on_cluster) {
      if (w["metadata"]["name"] == labels.value("kratix.io/work", "")) {
        placed.insert(key + " " + labels.value("kratix.io/workload-group-id", "") + " -> " + wp["spec"].value("targetDestinationName", ""));
      }
    }
  }
  for (const Json& g : predicted["placements"]) {
    for (const auto& [key, w] : local_works) {
      if (w["metadata"]["name"] != g["work"]) continue;
      EXPECT_EQ(g["oneOf"], false) << g.dump();
      for (const Json& d : g["destinations"]) predicted_placed.insert(key + " " + g["id"].get<std::string>() + " -> " + d.get<std::string>());
    }
  }
  EXPECT_EQ(predicted_placed, placed);
  EXPECT_EQ(placed.size(), 5u);

  // State-store files: every file pave test names is in the store with that content, and the store's
  // Promise and request files are all named.
  std::set<std::string> named;
  for (const Json& f : predicted["files"]) {
    const std::string path = f["path"];
    named.insert(path);
    EXPECT_TRUE(eventually([&] { return file(path) == f["content"].get<std::string>(); }, 60s)) << path << ":\n" << file(path);
  }
  const std::string clone = git_->clone("state");
  for (auto it = std::filesystem::recursive_directory_iterator(clone); it != std::filesystem::recursive_directory_iterator(); ++it) {
    const std::string rel = std::filesystem::relative(it->path(), clone).string();
    if (rel.starts_with(".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && rel.find("testbundle") != std::string::npos) {
      EXPECT_TRUE(named.contains(rel)) << rel;
    }
  }
  EXPECT_EQ(named.size(), 5u) << predicted["files"].dump(2);

  // The request's status, times aside.
  const Json status = Json::parse(kubectl({"get", "testbundle", "kratix-test", "-o", "json"}).out)["status"];
  std::map<std::string, std::string> keys;
  for (const auto& [key, w] : on_cluster) keys[w["metadata"]["name"]] = key;
  for (const auto& [key, w] : local_works) keys[w["metadata"]["name"]] = key;
  Json mine = without_times(predicted["request"]["object"]["status"], keys);
  Json theirs = without_times(status, keys);
  for (const auto& [k, v] : mine.items()) EXPECT_EQ(v, theirs.value(k, Json())) << "status." << k;
  for (const auto& [k, v] : theirs.items()) EXPECT_TRUE(mine.contains(k)) << "status." << k << " only on the cluster: " << v.dump();
}

TEST(PromiseTestLocal, AFailingContainerShowsItsLogAndExitCode) {
  base::TempDir dir = base::TempDir::create("pave-test-fail").value();
  Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  promise["spec"]["workflows"]["resource"]["configure"][1]["spec"]["containers"][0]["args"] =
      Json::array({"echo 'the bundle cannot be built: no colour'; exit 3"});
  write(dir.path() / "promise.yaml", kube::to_yaml(promise));
  write(dir.path() / "example-resource.yaml", read(kAssets + "/example-resource.yaml"));
  auto run = pave_test({dir.path().string()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("FAIL resource-pipeline1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("container second exited with code 3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("| the bundle cannot be built: no colour"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("resource.configure: Failed"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ConfigureWorkflowCompleted=False (ConfigureWorkflowFailed)"), std::string::npos) << run.out;
  // The first pipeline ran and its Work is still shown.
  EXPECT_NE(run.out.find("ok   resource-pipeline0"), std::string::npos) << run.out;
}

TEST(PromiseTestLocal, AnImageNotOnThisMachineIsNamed) {
  base::TempDir dir = base::TempDir::create("pave-test-image").value();
  Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  promise["spec"]["workflows"]["promise"]["configure"][0]["spec"]["containers"][0]["image"] = "localhost/not-built-here:v1";
  write(dir.path() / "promise.yaml", kube::to_yaml(promise));
  auto run = pave_test({(dir.path() / "promise.yaml").string()});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("image localhost/not-built-here:v1 (container deps) is not on this machine"), std::string::npos) << run.err;
}

TEST(PromiseTestLocal, ReadsASplitPromiseDirectory) {
  // The split layout: api.yaml, dependencies.yaml and workflows/<lifecycle>/<action>/workflow.yaml.
  base::TempDir dir = base::TempDir::create("pave-test-split").value();
  const Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  const std::filesystem::path root = dir.path() / "testbundle";
  write(root / "api.yaml", kube::to_yaml(promise["spec"]["api"]));
  write(root / "dependencies.yaml", kube::to_yaml(promise["spec"]["dependencies"]));
  write(root / "workflows/promise/configure/workflow.yaml", kube::to_yaml(promise["spec"]["workflows"]["promise"]["configure"]));
  write(root / "workflows/resource/configure/workflow.yaml", kube::to_yaml(promise["spec"]["workflows"]["resource"]["configure"]));
  write(root / "example-resource.yaml", read(kAssets + "/example-resource.yaml"));
  auto run = pave_test({root.string(), "--destinations", kAssets + "/destinations.yaml", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const Json out = Json::parse(run.out);
  EXPECT_EQ(out["promise"]["object"]["metadata"]["name"], "testbundle");
  EXPECT_EQ(out["request"]["object"]["status"]["stage"], "two");
  // No selector on the split promise (it lived in promise.yaml's spec): the static dependencies go to both.
  std::set<std::string> destinations;
  for (const Json& f : out["files"]) destinations.insert(f["destination"].get<std::string>());
  EXPECT_EQ(destinations, (std::set<std::string>{"worker-1", "worker-2"}));
  EXPECT_NE(out["files"].dump().find("clusters/worker-1/dependencies/testbundle/5058f/static/testbundle-dependencies.yaml"),
            std::string::npos);
}

// A promise whose first resource pipeline runs script (instead of the core Promise's), written to dir.
void write_with_script(const std::filesystem::path& dir, const std::string& script) {
  Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  promise["spec"]["workflows"]["resource"]["configure"][0]["spec"]["containers"][0]["args"] = Json::array({script});
  write(dir / "promise.yaml", kube::to_yaml(promise));
  write(dir / "example-resource.yaml", read(kAssets + "/example-resource.yaml"));
}

// Containers pave test started and did not remove.
std::string test_containers() {
  return base::run({.argv = {"podman", "ps", "--all", "--filter", "label=io.pave.node=pave-test", "--format", "{{.Names}}"}}).out;
}

TEST(PromiseTestLocal, ALinkOutOfAVolumeIsRefusedNotFollowed) {
  // On a cluster the adapter would read the link inside its own container; here it would read this
  // machine's file.
  base::TempDir dir = base::TempDir::create("pave-test-link").value();
  write_with_script(dir.path(), "ln -s /etc/hostname /kratix/metadata/status.yaml");
  auto run = pave_test({dir.path().string(), "-o", "json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const Json out = Json::parse(run.out);
  EXPECT_EQ(out["request"]["pipelines"][0]["error"],
            "the pipeline left status.yaml, a link to outside its volume, which pave test does not follow");
  EXPECT_EQ(run.out.find(read("/etc/hostname").substr(0, read("/etc/hostname").find('\n'))), std::string::npos) << run.out;
}

TEST(PromiseTestLocal, AContainerPastItsTimeoutFailsThePipelineAndIsRemoved) {
  base::TempDir dir = base::TempDir::create("pave-test-timeout").value();
  write_with_script(dir.path(), "sleep 60");
  const auto started = std::chrono::steady_clock::now();
  auto run = pave_test({dir.path().string(), "--timeout", "2"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("error: container first ran longer than 2s and was stopped"), std::string::npos) << run.out;
  EXPECT_EQ(test_containers(), "");
}

TEST(PromiseTestLocal, AValueOfTheWrongTypeIsAnErrorNotACrash) {
  base::TempDir dir = base::TempDir::create("pave-test-types").value();
  Json promise = kube::parse_yaml(read(kAssets + "/promise.yaml")).value();
  promise["spec"]["workflows"]["promise"]["configure"][0]["spec"]["containers"][0]["env"][0]["value"] = 3;
  write(dir.path() / "promise.yaml", kube::to_yaml(promise));
  auto run = pave_test({(dir.path() / "promise.yaml").string()});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("pave test: env of container deps: each entry needs a name and a string value"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace pave::testing
