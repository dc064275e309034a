#include "support/core_scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace pave::testing {

using namespace std::chrono_literals;

// The Promise of the scenario: API TestBundle, a promise.configure pipeline writing a Namespace for every
// Destination labelled environment=dev, and two resource.configure pipelines, the second of which
// checks the status the first wrote (it reads it from /kratix/input/object.yaml) and splits its output
// over two Destinations with destination-selectors.yaml.
std::string core_promise_yaml(const std::string& greeting, bool second_pipeline) {
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

namespace {

std::string request_yaml(const std::string& colour) {
  return "apiVersion: test.kratix.io/v1alpha1\nkind: TestBundle\nmetadata: {name: kratix-test}\nspec: {colour: " + colour + "}\n";
}

std::string condition(const std::string& type, const std::string& field) {
  return "{.status.conditions[?(@.type==\"" + type + "\")]." + field + "}";
}

}  // namespace

void CoreScenario::set_up_destinations() {
  const std::string url = git_.create_repo("state");
  ASSERT_TRUE(cluster_.kubectl({"create", "secret", "generic", "git-creds", "-n", ns_, "--from-literal=username=kratix",
                                "--from-literal=password=s3cr3t"}).ok());
  ASSERT_TRUE(cluster_.kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\n"
      "metadata: {name: core}\nspec:\n  url: " + url + "\n  secretRef: {name: git-creds, namespace: " + ns_ + "}\n"
      "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: worker-1, labels: {target: worker-1, environment: dev}}\n"
      "spec: {path: worker-1, stateStoreRef: {kind: GitStateStore, name: core}}\n"
      "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: worker-2, labels: {target: worker-2, environment: dev}}\n"
      "spec: {path: worker-2, stateStoreRef: {kind: GitStateStore, name: core}}\n").ok());
  for (const char* d : {"worker-1", "worker-2"}) {
    ASSERT_TRUE(eventually([&] { return get("destination", d, condition("Ready", "status")) == "True"; }, 60s))
        << cluster_.kubectl({"get", "destinations,gitstatestores", "-o", "yaml"}).out;
  }
}

void CoreScenario::promise_is_available() {
  // 1. The Promise: its API becomes a CRD, its configure pipeline runs in kratix-platform-system.
  ASSERT_TRUE(cluster_.kubectl({"apply", "-f", "-"}, core_promise_yaml("hello")).ok());
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
  EXPECT_EQ(cluster_.kubectl({"get", "jobs", "-n", "kratix-platform-system", "-l", "kratix.io/promise-name=testbundle",
                               "-o", "jsonpath={.items[*].metadata.labels.kratix\\.io/pipeline-name}"}).out, "setup-deps");

  // 2. One Work from the promise pipeline, placed on both dev Destinations, Ready with Kratix's conditions.
  const std::string work = cluster_.kubectl({"get", "works", "-n", "kratix-platform-system", "-l",
      "kratix.io/promise-name=testbundle,kratix.io/work-type=promise", "-o", "jsonpath={.items[*].metadata.name}"}).out;
  ASSERT_FALSE(work.empty()) << debug();
  ASSERT_EQ(work.find(' '), std::string::npos) << "exactly one promise Work: " << work;
  ASSERT_TRUE(eventually([&] {
    return promise(condition("WorksSucceeded", "status") + condition("Reconciled", "status")) == "TrueTrue";
  }, 60s)) << debug();
  EXPECT_EQ(get("work", work, condition("Ready", "message") + "|" + condition("ScheduleSucceeded", "message"),
                "kratix-platform-system"), "Ready|All workplacements scheduled successfully");
  const std::string placements = cluster_.kubectl({"get", "workplacements", "-n", "kratix-platform-system", "-l",
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
  EXPECT_EQ(cluster_.kubectl({"get", "works", "-n", "kratix-platform-system", "-l",
      "kratix.io/promise-name=testbundle,kratix.io/work-type=static-dependency", "-o", "jsonpath={.items[*].metadata.name}"}).out,
            "testbundle-static-deps-df4d5");  // md5("testbundle-static-deps")
}

void CoreScenario::request_is_fulfilled() {
  // 3. A request: both pipelines run in turn, the second seeing the first's status.
  ASSERT_TRUE(cluster_.kubectl({"apply", "-n", ns_, "-f", "-"}, request_yaml("red")).ok());
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
  const std::string first = works_of("resource-pipeline0"), second = works_of("resource-pipeline1");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  first_dest_ = destinations_of(first);
  EXPECT_TRUE(first_dest_ == "worker-1" || first_dest_ == "worker-2") << first_dest_;
  EXPECT_EQ(destinations_of(second), "worker-1 worker-2");
  EXPECT_EQ(file(first_dest_ + base() + "resource-pipeline0/5058f/configmap.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kratix-test-cm, namespace: default}\ndata: {colour: red}\n");
  EXPECT_EQ(tree("worker-1" + base() + "resource-pipeline1"),
            "worker-1" + base() + "resource-pipeline1/ba6cb/dest1/configmap.yaml\n");  // md5("dest1")
  EXPECT_EQ(tree("worker-2" + base() + "resource-pipeline1"),
            "worker-2" + base() + "resource-pipeline1/76355/dest2/configmap.yaml\n");  // md5("dest2")
}

void CoreScenario::request_update_reruns() {
  // 5. Updating the request runs both pipelines again.
  const std::string completed_at = rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
  std::this_thread::sleep_for(1100ms);  // transition times have one-second precision
  ASSERT_TRUE(cluster_.kubectl({"apply", "-n", ns_, "-f", "-"}, request_yaml("blue")).ok());
  ASSERT_TRUE(eventually([&] {
    return rr(condition("Reconciled", "status")) == "True" && rr("{.status.observedGeneration}") == "2" &&
           file(first_dest_ + base() + "resource-pipeline0/5058f/configmap.yaml").find("colour: blue") != std::string::npos;
  }, 180s)) << debug();
  EXPECT_NE(rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime")), completed_at);
  EXPECT_EQ(in_ns({"get", "jobs", "-l", "kratix.io/resource-name=kratix-test", "-o",
                   "jsonpath={.items[*].metadata.labels.kratix\\.io/pipeline-name}"}).size(),
            std::string("resource-pipeline0 resource-pipeline1 resource-pipeline0 resource-pipeline1").size())
      << "two runs of two pipelines";
}

void CoreScenario::promise_update_reruns() {
  // 6. Updating the Promise re-runs its pipeline and every request's pipelines.
  const std::string rr_completed_at = rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime"));
  std::this_thread::sleep_for(1100ms);  // as above: a new completion must get a different transition time
  ASSERT_TRUE(cluster_.kubectl({"apply", "-f", "-"}, core_promise_yaml("bonjour")).ok());
  ASSERT_TRUE(eventually([&] {
    return file("worker-1/dependencies/testbundle/setup-deps/5058f/namespace.yaml").find("bonjour") != std::string::npos;
  }, 180s)) << debug();
  ASSERT_TRUE(eventually([&] {
    return rr(condition("Reconciled", "status")) == "True" &&
           rr(condition("ConfigureWorkflowCompleted", "lastTransitionTime")) != rr_completed_at;
  }, 180s)) << debug();
  EXPECT_EQ(rr("{.metadata.labels.internal\\.workflows\\.kratix\\.io/run-from-start}"), "") << "the label goes once used";

  // A pipeline dropped from the Promise takes its Work, and so its files, away once the requests re-ran.
  ASSERT_TRUE(cluster_.kubectl({"apply", "-f", "-"}, core_promise_yaml("bonjour", false)).ok());
  ASSERT_TRUE(eventually([&] { return works_of("resource-pipeline1").empty(); }, 180s)) << debug();
  ASSERT_TRUE(eventually([&] { return tree("worker-1" + base() + "resource-pipeline1").empty(); }, 60s));
  EXPECT_TRUE(eventually([&] { return rr("{.status.workflows} {.status.workflowsSucceeded}") == "1 1"; }, 60s))
      << rr("{.status}");
  EXPECT_EQ(tree("worker-2" + base() + "resource-pipeline1"), "");
  EXPECT_NE(file(first_dest_ + base() + "resource-pipeline0/5058f/configmap.yaml"), "") << "the remaining pipeline's files stay";
}

void CoreScenario::deletions_clean_up() {
  // 7. Deleting the request removes its Works, WorkPlacements and files; deleting the Promise removes the rest.
  ASSERT_TRUE(cluster_.kubectl({"delete", "-n", ns_, "testbundle", "kratix-test", "--timeout=120s"}).ok()) << debug();
  EXPECT_EQ(in_ns({"get", "works,workplacements", "-o", "name"}), "");
  EXPECT_EQ(tree("worker-1/resources/" + ns_), "");
  EXPECT_EQ(tree("worker-2/resources/" + ns_), "");
  ASSERT_TRUE(cluster_.kubectl({"delete", "promise", "testbundle", "--timeout=120s"}).ok()) << debug();
  EXPECT_FALSE(cluster_.kubectl({"get", "crd", "testbundles.test.kratix.io"}).ok());
  EXPECT_EQ(cluster_.kubectl({"get", "works", "-n", "kratix-platform-system", "-o", "name"}).out, "");
  EXPECT_EQ(tree("worker-1/dependencies/testbundle"), "");
  EXPECT_EQ(tree("worker-2/dependencies/testbundle"), "");
}

void CoreScenario::tear_down() {
  cluster_.kubectl({"delete", "promise", "testbundle", "--ignore-not-found", "--timeout=120s"});
  cluster_.kubectl({"delete", "destinations,gitstatestores", "--all"});
}

std::string CoreScenario::get(const std::string& kind, const std::string& name, const std::string& jsonpath,
                              const std::string& ns) const {
  std::vector<std::string> args{"get", kind, name, "-o", "jsonpath=" + jsonpath};
  const bool cluster_wide = kind == "promise" || kind == "destination" || kind == "crd";
  if (!cluster_wide) args.insert(args.begin(), {"-n", ns.empty() ? ns_ : ns});
  return cluster_.kubectl(args).out;
}

std::string CoreScenario::rr(const std::string& jsonpath) const { return get("testbundle", "kratix-test", jsonpath); }
std::string CoreScenario::promise(const std::string& jsonpath) const { return get("promise", "testbundle", jsonpath); }

std::string CoreScenario::in_ns(std::vector<std::string> args) const {
  args.insert(args.begin(), {"-n", ns_});
  return cluster_.kubectl(args).out;
}

std::string CoreScenario::debug() const {
  return cluster_.kubectl({"get", "promise,jobs,pods,works,workplacements,testbundles", "-A", "-o", "yaml"}).out;
}

std::string CoreScenario::tree(const std::string& path) const {
  const std::string clone = git_.clone("state");
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

std::string CoreScenario::file(const std::string& path) const {
  std::ifstream in(git_.clone("state") + "/" + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string CoreScenario::works_of(const std::string& pipeline) const {
  return in_ns({"get", "works", "-l", "kratix.io/resource-name=kratix-test,kratix.io/pipeline-name=" + pipeline, "-o",
                "jsonpath={.items[*].metadata.name}"});
}

std::string CoreScenario::destinations_of(const std::string& work) const {
  return in_ns({"get", "workplacements", "-l", "kratix.io/work=" + work, "-o", "jsonpath={.items[*].spec.targetDestinationName}"});
}

}  // namespace pave::testing
