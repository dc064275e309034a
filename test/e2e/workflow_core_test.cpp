// Kratix's core end-to-end scenario (kratix-spec.md 7.2, "Core") on Pave: the real control plane, the
// pod runner running every pipeline Job with the images built here (the adapter steps are `pave adapter`
// in localhost/pave:dev), Pave's controllers as `pave controller` wires them, and a real Git server as
// the state store of two Destinations. Pipeline scripts are shell with yq and kubectl, as Kratix's are.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/temp_dir.h"
#include "kube/manager.h"
#include "platform/controllers.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/pod_runner.h"

namespace pave::platform {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

testing::PodRunner* g_runner = nullptr;

class RunnerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto images = testing::build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY);
    ASSERT_FALSE(images.has_value()) << *images;
    dir_.emplace(base::TempDir::create("core-runner").value());
    auto started = runner_.start(testing::ClusterEnvironment::cluster().kubeconfig, dir_->path().string());
    ASSERT_FALSE(started.has_value()) << *started;
    g_runner = &runner_;
  }
  void TearDown() override {
    runner_.stop();
    runner_.remove_containers();
    dir_.reset();  // the runner's volumes, gone with its containers
  }

 private:
  std::optional<base::TempDir> dir_;
  testing::PodRunner runner_{PAVE_POD_RUNNER, "core-node-" + std::to_string(getpid())};
};

// The Promise of the scenario: API TestBundle, a promise.configure pipeline writing a Namespace for every
// Destination labelled environment=dev, and two resource.configure pipelines, the second of which
// checks the status the first wrote (it reads it from /kratix/input/object.yaml) and splits its output
// over two Destinations with destination-selectors.yaml.
std::string promise_yaml(const std::string& greeting, bool second_pipeline = true) {
  std::string yaml = R"(apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: testbundle
  labels: {kratix.io/promise-version: v1.0.0}
spec:
  destinationSelectors: [{matchLabels: {environment: dev}}]
  dependencies:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: testbundle-dep, namespace: default}, data: {from: dependencies}}
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: testbundles.test.kratix.io}
    spec:
      group: test.kratix.io
      scope: Namespaced
      names: {kind: TestBundle, plural: testbundles, singular: testbundle}
      versions:
      - name: v1alpha1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
  workflows:
    promise:
      configure:
      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: setup-deps}
        spec:
          containers:
          - name: deps
            image: localhost/pave-pipeline-utility:dev
            env: [{name: GREETING, value: )" + greeting + R"(}]
            command: [sh, -c]
            args:
            - |
              set -e
              printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: testbundle-ns\n  labels: {greeting: %s}\n' "$GREETING" \
                > /kratix/output/namespace.yaml
    resource:
      configure:
      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: resource-pipeline0}
        spec:
          containers:
          - name: first
            image: localhost/pave-pipeline-utility:dev
            command: [sh, -c]
            args:
            - |
              set -e
              name=$(yq '.metadata.name' /kratix/input/object.yaml)
              colour=$(yq '.spec.colour' /kratix/input/object.yaml)
              printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s-cm, namespace: default}\ndata: {colour: %s}\n' \
                "$name" "$colour" > /kratix/output/configmap.yaml
              echo 'stage: one' > /kratix/metadata/status.yaml
)";
  if (!second_pipeline) return yaml;
  return yaml + R"(      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: resource-pipeline1}
        spec:
          containers:
          - name: second
            image: localhost/pave-pipeline-utility:dev
            command: [sh, -c]
            args:
            - |
              set -e
              stage=$(yq '.status.stage' /kratix/input/object.yaml)
              if [ "$stage" != one ]; then echo "expected the first pipeline's status, found stage=$stage"; exit 1; fi
              mkdir -p /kratix/output/dest1 /kratix/output/dest2
              for d in 1 2; do
                printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ksystest-cm-%s, namespace: default}\n' $d \
                  > /kratix/output/dest$d/configmap.yaml
              done
              printf -- '- directory: dest1\n  matchLabels: {target: worker-1}\n- directory: dest2\n  matchLabels: {target: worker-2}\n' \
                > /kratix/metadata/destination-selectors.yaml
              printf 'stage: two\ncompleted: true\n' > /kratix/metadata/status.yaml
)";
}

std::string request_yaml(const std::string& colour) {
  return "apiVersion: test.kratix.io/v1alpha1\nkind: TestBundle\nmetadata: {name: kratix-test}\nspec: {colour: " + colour + "}\n";
}

class WorkflowCore : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto server = testing::GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    const std::string url = git_->create_repo("state");
    ASSERT_TRUE(kubectl({"create", "secret", "generic", "git-creds", "--from-literal=username=kratix",
                         "--from-literal=password=s3cr3t"}).ok());
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\n"
        "metadata: {name: core}\nspec:\n  url: " + url + "\n  secretRef: {name: git-creds, namespace: " + ns() + "}\n"
        "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: worker-1, labels: {target: worker-1, environment: dev}}\n"
        "spec: {path: worker-1, stateStoreRef: {kind: GitStateStore, name: core}}\n"
        "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: worker-2, labels: {target: worker-2, environment: dev}}\n"
        "spec: {path: worker-2, stateStoreRef: {kind: GitStateStore, name: core}}\n").ok());

    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    cache_.emplace(base::TempDir::create("core-cache").value());
    registry_ = std::make_unique<StateStoreRegistry>();
    manager_ = std::make_unique<kube::Manager>(*client_, kube::ManagerOptions{.name = "core",
        .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "core-test"}});
    ControllerOptions options{.cache_dir = cache_->path().string(), .secret_namespace = ns(),
                              .adapter_image = "localhost/pave:dev"};
    workflows_ = add_controllers(*manager_, *registry_, options);
    runner_ = std::thread([this] { manager_->run(); });
    for (const char* d : {"worker-1", "worker-2"}) {
      ASSERT_TRUE(eventually([&] { return get("destination", d, "{.status.conditions[?(@.type==\"Ready\")].status}") == "True"; }, 60s));
    }
  }
  void TearDown() override {
    cluster().kubectl({"delete", "promise", "testbundle", "--timeout=120s"});
    if (manager_) manager_->stop();
    if (runner_.joinable()) runner_.join();
    registry_.reset();
    workflows_.reset();
    manager_.reset();
    cluster().kubectl({"delete", "destinations,gitstatestores", "--all"});
    ClusterTest::TearDown();
  }

  // A field of a cluster-wide or namespaced object (namespaced ones in the test's namespace).
  std::string get(const std::string& kind, const std::string& name, const std::string& jsonpath, const std::string& ns = "") {
    std::vector<std::string> args{"get", kind, name, "-o", "jsonpath=" + jsonpath};
    if (!ns.empty()) args.insert(args.begin(), {"-n", ns});
    return kind == "promise" || kind == "destination" || kind == "crd" ? cluster().kubectl(args).out : kubectl(args).out;
  }
  std::string rr(const std::string& jsonpath) { return get("testbundle", "kratix-test", jsonpath); }
  std::string promise(const std::string& jsonpath) { return get("promise", "testbundle", jsonpath); }
  static std::string condition(const std::string& type, const std::string& field) {
    return "{.status.conditions[?(@.type==\"" + type + "\")]." + field + "}";
  }
  std::string debug() {
    return cluster().kubectl({"get", "promise,jobs,pods,works,workplacements,testbundles", "-A", "-o", "yaml"}).out;
  }
  // The files under path in the state store's repository now.
  std::string tree(const std::string& path) {
    const std::string clone = git_->clone("state");
    std::string out;
    if (!std::filesystem::exists(clone + "/" + path)) return out;
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(clone + "/" + path)) {
      if (e.is_regular_file()) files.push_back(std::filesystem::relative(e.path(), clone).string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out += f + "\n";
    return out;
  }
  std::string file(const std::string& path) {
    std::ifstream in(git_->clone("state") + "/" + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::optional<testing::GitServer> git_;
  std::optional<kube::Client> client_;
  std::optional<base::TempDir> cache_;
  std::unique_ptr<StateStoreRegistry> registry_;
  std::unique_ptr<kube::Manager> manager_;
  std::unique_ptr<ResourceControllers> workflows_;
  std::thread runner_;
};

TEST_F(WorkflowCore, DeliversXaasToUsers) {
  // 1. The Promise: its API becomes a CRD, its configure pipeline runs in kratix-platform-system.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, promise_yaml("hello")).ok());
  ASSERT_TRUE(eventually([&] { return promise("{.status.status}") == "Available"; }, 180s)) << debug();
  EXPECT_EQ(get("crd", "testbundles.test.kratix.io", "{.metadata.labels.kratix\\.io/promise-name}"), "testbundle");
  EXPECT_EQ(promise("{.status.kind} {.status.apiVersion} {.status.version}"), "TestBundle test.kratix.io/v1alpha1 v1.0.0");
  EXPECT_EQ(promise(condition("ConfigureWorkflowCompleted", "status") + " " + condition("ConfigureWorkflowCompleted", "reason")),
            "True PipelinesExecutedSuccessfully");
  EXPECT_EQ(promise(condition("Available", "reason") + "|" + condition("Available", "message")),
            "PromiseAvailable|Ready to fulfil resource requests");
  EXPECT_EQ(promise("{.status.workflows} {.status.workflowsSucceeded} {.status.workflowsFailed}"), "1 1 0");
  EXPECT_EQ(promise("{.status.kratix.workflows.pipelines[0].name} {.status.kratix.workflows.pipelines[0].phase}"),
            "setup-deps Succeeded");
  EXPECT_EQ(promise("{.status.message}"), "Promise configured");
  EXPECT_EQ(cluster().kubectl({"get", "jobs", "-n", "kratix-platform-system", "-l", "kratix.io/promise-name=testbundle",
                               "-o", "jsonpath={.items[*].metadata.labels.kratix\\.io/pipeline-name}"}).out, "setup-deps");

  // 2. One Work from the promise pipeline, placed on both dev Destinations, Ready with Kratix's conditions.
  const std::string work = cluster().kubectl({"get", "works", "-n", "kratix-platform-system", "-l",
      "kratix.io/promise-name=testbundle,kratix.io/work-type=promise", "-o", "jsonpath={.items[*].metadata.name}"}).out;
  ASSERT_FALSE(work.empty()) << debug();
  ASSERT_EQ(work.find(' '), std::string::npos) << "exactly one promise Work: " << work;
  ASSERT_TRUE(eventually([&] {
    return promise(condition("WorksSucceeded", "status") + condition("Reconciled", "status")) == "TrueTrue";
  }, 60s)) << debug();
  EXPECT_EQ(get("work", work, condition("Ready", "message") + "|" + condition("ScheduleSucceeded", "message"),
                "kratix-platform-system"), "Ready|All workplacements scheduled successfully");
  const std::string placements = cluster().kubectl({"get", "workplacements", "-n", "kratix-platform-system", "-l",
      "kratix.io/work=" + work, "-o", "jsonpath={.items[*].spec.targetDestinationName}"}).out;
  EXPECT_EQ(placements, "worker-1 worker-2");
  for (const char* d : {"worker-1", "worker-2"}) {
    EXPECT_EQ(file(std::string(d) + "/dependencies/testbundle/setup-deps/5058f/namespace.yaml"),
              "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: testbundle-ns\n  labels: {greeting: hello}\n") << d;
  }

  // The Promise's static dependencies: one Work of their own, on every dev Destination.
  EXPECT_EQ(file("worker-1/dependencies/testbundle/5058f/static/testbundle-dependencies.yaml"),
            "apiVersion: v1\ndata:\n  from: dependencies\nkind: ConfigMap\nmetadata:\n  name: testbundle-dep\n  namespace: default\n")
      << "keys sorted, as Go's YAML writes a map";
  EXPECT_NE(file("worker-2/dependencies/testbundle/5058f/static/testbundle-dependencies.yaml"), "");
  EXPECT_EQ(cluster().kubectl({"get", "works", "-n", "kratix-platform-system", "-l",
      "kratix.io/promise-name=testbundle,kratix.io/work-type=static-dependency", "-o", "jsonpath={.items[*].metadata.name}"}).out,
            "testbundle-static-deps-df4d5");  // md5("testbundle-static-deps")

  // 3. A request: both pipelines run in turn, the second seeing the first's status.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, request_yaml("red")).ok());
  ASSERT_TRUE(eventually([&] { return rr(condition("Reconciled", "status")) == "True"; }, 180s)) << debug();
  EXPECT_EQ(rr("{.metadata.labels.kratix\\.io/promise-name}"), "testbundle");
  EXPECT_EQ(rr("{.status.stage} {.status.completed} {.status.message}"), "two true Resource requested");
  EXPECT_EQ(rr("{.status.observedGeneration}"), rr("{.metadata.generation}"));
  EXPECT_EQ(rr("{.status.workflows} {.status.workflowsSucceeded} {.status.workflowsFailed}"), "2 2 0");
  EXPECT_EQ(rr("{.status.kratix.workflows.pipelines[*].phase}"), "Succeeded Succeeded");
  EXPECT_EQ(rr("{.status.kratix.workflows.lastSuccessfulConfigureWorkflowTime}"),
            rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime")));
  EXPECT_EQ(rr(condition("WorksSucceeded", "status") + " " + condition("PromiseAvailable", "reason")), "True PromiseAvailable");

  // 4. Two Works: the first pipeline's one group on one dev Destination, the second's two directories on
  // the Destinations their selectors name; the files are in the state store.
  auto works_of = [&](const std::string& pipeline) {
    return kubectl({"get", "works", "-l", "kratix.io/resource-name=kratix-test,kratix.io/pipeline-name=" + pipeline,
                    "-o", "jsonpath={.items[*].metadata.name}"}).out;
  };
  const std::string first = works_of("resource-pipeline0"), second = works_of("resource-pipeline1");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  auto destinations_of = [&](const std::string& w) {
    return kubectl({"get", "workplacements", "-l", "kratix.io/work=" + w, "-o",
                    "jsonpath={.items[*].spec.targetDestinationName}"}).out;
  };
  const std::string first_dest = destinations_of(first);
  EXPECT_TRUE(first_dest == "worker-1" || first_dest == "worker-2") << first_dest;
  EXPECT_EQ(destinations_of(second), "worker-1 worker-2");
  const std::string base = "/resources/" + ns() + "/testbundle/kratix-test/";
  EXPECT_EQ(file(first_dest + base + "resource-pipeline0/5058f/configmap.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kratix-test-cm, namespace: default}\ndata: {colour: red}\n");
  EXPECT_EQ(tree("worker-1" + base + "resource-pipeline1"),
            "worker-1" + base + "resource-pipeline1/ba6cb/dest1/configmap.yaml\n");  // md5("dest1")
  EXPECT_EQ(tree("worker-2" + base + "resource-pipeline1"),
            "worker-2" + base + "resource-pipeline1/76355/dest2/configmap.yaml\n");  // md5("dest2")

  // 5. Updating the request runs both pipelines again.
  const std::string completed_at = rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
  std::this_thread::sleep_for(1100ms);  // transition times have one-second precision
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, request_yaml("blue")).ok());
  ASSERT_TRUE(eventually([&] {
    return rr(condition("Reconciled", "status")) == "True" && rr("{.status.observedGeneration}") == "2" &&
           file(first_dest + base + "resource-pipeline0/5058f/configmap.yaml").find("colour: blue") != std::string::npos;
  }, 180s)) << debug();
  EXPECT_NE(rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime")), completed_at);
  EXPECT_EQ(kubectl({"get", "jobs", "-l", "kratix.io/resource-name=kratix-test", "-o",
                     "jsonpath={.items[*].metadata.labels.kratix\\.io/pipeline-name}"}).out.size(),
            std::string("resource-pipeline0 resource-pipeline1 resource-pipeline0 resource-pipeline1").size())
      << "two runs of two pipelines";

  // 6. Updating the Promise re-runs its pipeline and every request's pipelines.
  const std::string rr_completed_at = rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
  std::this_thread::sleep_for(1100ms);  // as above: a new completion must get a different transition time
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, promise_yaml("bonjour")).ok());
  ASSERT_TRUE(eventually([&] {
    return file("worker-1/dependencies/testbundle/setup-deps/5058f/namespace.yaml").find("bonjour") != std::string::npos;
  }, 180s)) << debug();
  ASSERT_TRUE(eventually([&] {
    return rr(condition("Reconciled", "status")) == "True" &&
           rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime")) != rr_completed_at;
  }, 180s)) << debug();
  EXPECT_EQ(rr("{.metadata.labels.internal\\.workflows\\.kratix\\.io/run-from-start}"), "") << "the label goes once used";

  // A pipeline dropped from the Promise takes its Work, and so its files, away once the requests re-ran.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, promise_yaml("bonjour", false)).ok());
  ASSERT_TRUE(eventually([&] { return works_of("resource-pipeline1").empty(); }, 180s)) << debug();
  ASSERT_TRUE(eventually([&] { return tree("worker-1" + base + "resource-pipeline1").empty(); }, 60s));
  EXPECT_TRUE(eventually([&] { return rr("{.status.workflows} {.status.workflowsSucceeded}") == "1 1"; }, 60s))
      << rr("{.status}");
  EXPECT_EQ(tree("worker-2" + base + "resource-pipeline1"), "");
  EXPECT_NE(file(first_dest + base + "resource-pipeline0/5058f/configmap.yaml"), "") << "the remaining pipeline's files stay";

  // 7. Deleting the request removes its Works, WorkPlacements and files; deleting the Promise removes the rest.
  ASSERT_TRUE(kubectl({"delete", "testbundle", "kratix-test", "--timeout=120s"}).ok()) << debug();
  EXPECT_EQ(kubectl({"get", "works,workplacements", "-o", "name"}).out, "");
  EXPECT_EQ(tree("worker-1/resources/" + ns()), "");
  EXPECT_EQ(tree("worker-2/resources/" + ns()), "");
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "testbundle", "--timeout=120s"}).ok()) << debug();
  EXPECT_FALSE(cluster().kubectl({"get", "crd", "testbundles.test.kratix.io"}).ok());
  EXPECT_EQ(cluster().kubectl({"get", "works", "-n", "kratix-platform-system", "-o", "name"}).out, "");
  EXPECT_EQ(tree("worker-1/dependencies/testbundle"), "");
  EXPECT_EQ(tree("worker-2/dependencies/testbundle"), "");
}

}  // namespace
}  // namespace pave::platform

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::platform::RunnerEnvironment);
  return RUN_ALL_TESTS();
}
