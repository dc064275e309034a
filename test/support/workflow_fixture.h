// A fixture for workflow tests on the real control plane, modelled on test/e2e/workflow_core_test: Pave's
// CRDs, the kratix-platform-system namespace, a real Git server as the state store of one Destination
// (worker-1, labelled environment=dev), and Pave's controllers in-process as `pave controller` wires them
// (options from the Kratix config, read with workflow::read_kratix_config). Pipelines run as real Jobs on
// the pod runner of the binary's RunnerEnvironment (support/runner_environment.h).
//
// Promises are cluster-scoped: a test registers the ones it makes with track(), and TearDown deletes them
// (waiting for their finalizers) while the controllers still run, so tests do not disturb one another.
//
// Needs PAVE_CRD_DIR, PAVE_POD_RUNNER, PAVE_IMAGES_SCRIPT and PAVE_BINARY, and links pave_platform.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "kube/manager.h"
#include "platform/controllers.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/runner_environment.h"
#include "workflow/kratix_config.h"

namespace pave::testing {

class WorkflowFixture : public ClusterTest {
 protected:
  using Json = kube::Json;

  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto server = GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    git_.emplace(std::move(*server));
    const std::string url = git_->create_repo("state");
    ASSERT_TRUE(kubectl({"create", "secret", "generic", "git-creds", "--from-literal=username=kratix",
                         "--from-literal=password=s3cr3t"}).ok());
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\n"
        "metadata: {name: wf}\nspec:\n  url: " + url + "\n  secretRef: {name: git-creds, namespace: " + ns() + "}\n"
        "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Destination\n"
        "metadata: {name: worker-1, labels: {target: worker-1, environment: dev}}\n"
        "spec: {path: worker-1, stateStoreRef: {kind: GitStateStore, name: wf}}\n").ok());
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    cache_.emplace(base::TempDir::create("wf-cache").value());
    start_controllers();
    ASSERT_TRUE(eventually([&] { return get("destination", "worker-1", condition("Ready", "status")) == "True"; },
                           std::chrono::seconds(60)));
  }

  void TearDown() override {
    for (const auto& p : promises_) {
      cluster().kubectl({"label", "promise", p, "kratix.io/paused-"});  // a paused Promise's deletion waits
      auto gone = cluster().kubectl({"delete", "promise", p, "--ignore-not-found", "--timeout=180s"});
      EXPECT_TRUE(gone.ok()) << "promise " << p << " was not deleted: " << gone.err;
    }
    cluster().kubectl({"delete", "destinations,gitstatestores", "--all", "--timeout=60s"});
    stop_controllers();
    cluster().kubectl({"delete", "configmap", "kratix", "-n", "kratix-platform-system", "--ignore-not-found"});
    ClusterTest::TearDown();
  }

  // Starts Pave's controllers with the Kratix config as it is in the cluster now.
  void start_controllers() {
    auto kratix = workflow::read_kratix_config(*client_);
    ASSERT_TRUE(kratix.has_value()) << kratix.error().to_string();
    registry_ = std::make_unique<platform::StateStoreRegistry>();
    manager_ = std::make_unique<kube::Manager>(*client_, kube::ManagerOptions{.name = "wf",
        .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "wf-test"}});
    platform::ControllerOptions options{.cache_dir = cache_->path().string(), .secret_namespace = ns(),
                                        .kratix = *kratix, .adapter_image = "localhost/pave:dev"};
    workflows_ = platform::add_controllers(*manager_, *registry_, options);
    thread_ = std::thread([this] { manager_->run(); });
  }

  // Stops them as a crash or a rollout would: nothing of the workflows' progress is kept in memory.
  void stop_controllers() {
    if (manager_) manager_->stop();
    if (thread_.joinable()) thread_.join();
    registry_.reset();  // its writers may call back into the manager's caches until they are gone
    workflows_.reset();
    manager_.reset();
  }

  // Creates or updates a cluster-wide or namespaced object (in the test's namespace) from JSON.
  void apply(const Json& object) {
    const bool cluster_wide = object.value("kind", "") == "Promise";
    auto applied = cluster_wide ? cluster().kubectl({"apply", "-f", "-"}, object.dump())
                                : kubectl({"apply", "-f", "-"}, object.dump());
    ASSERT_TRUE(applied.ok()) << applied.err << "\n" << object.dump(2);
    if (cluster_wide) track(object["metadata"]["name"]);
  }
  void track(const std::string& promise) {
    if (std::find(promises_.begin(), promises_.end(), promise) == promises_.end()) promises_.push_back(promise);
  }

  // A field of a cluster-wide object, or of a namespaced one in the test's namespace (or in `in`).
  std::string get(const std::string& kind, const std::string& name, const std::string& jsonpath, const std::string& in = "") {
    std::vector<std::string> args{"get", kind, name, "-o", "jsonpath=" + jsonpath};
    if (!in.empty()) args.insert(args.begin(), {"-n", in});
    return kind == "promise" || kind == "promiserelease" || kind == "destination" || kind == "crd" || !in.empty() ? cluster().kubectl(args).out
                                                                                      : kubectl(args).out;
  }
  static std::string condition(const std::string& type, const std::string& field) {
    return "{.status.conditions[?(@.type==\"" + type + "\")]." + field + "}";
  }
  // "TYPE REASON MESSAGE" of every Event about objects named name, one a line.
  std::string events_of(const std::string& name) {
    return cluster().kubectl({"get", "events", "-A", "--field-selector", "involvedObject.name=" + name, "-o",
                              "jsonpath={range .items[*]}{.type} {.reason} {.message}{\"\\n\"}{end}"}).out;
  }
  // The names of the objects of kind matching selector in namespace in.
  std::vector<std::string> names(const std::string& kind, const std::string& selector, const std::string& in) {
    auto out = cluster().kubectl({"get", kind, "-n", in, "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"}).out;
    std::vector<std::string> all;
    for (size_t at = 0; at < out.size();) {
      size_t end = std::min(out.find(' ', at), out.size());
      if (end > at) all.push_back(out.substr(at, end - at));
      at = end + 1;
    }
    return all;
  }
  // What container printed, in the (first) pod matching selector in namespace in.
  std::string logs(const std::string& selector, const std::string& container, const std::string& in) {
    auto pods = names("pods", selector, in);
    if (pods.empty()) return "(no pod matches " + selector + ")";
    return RunnerEnvironment::runner->logs(cluster().kubeconfig, in + "/" + pods.front(), container);
  }
  std::string debug() {
    return cluster().kubectl({"get", "promise,jobs,pods,works,workplacements", "-A", "-o", "yaml"}).out;
  }
  std::string file(const std::string& path) {
    std::ifstream in(git_->clone("state") + "/" + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // A Promise of API `kind` (group wftest.kratix.io, plural lower-case kind + "s") with these pipelines.
  static Json promise(const std::string& name, const std::string& kind, Json resource_configure,
                      Json promise_configure = Json::array()) {
    std::string plural;
    for (char c : kind) plural += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plural += "s";
    Json schema = {{"type", "object"},
                   {"properties", {{"spec", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
    Json api = {{"apiVersion", "apiextensions.k8s.io/v1"}, {"kind", "CustomResourceDefinition"},
                {"metadata", {{"name", plural + ".wftest.kratix.io"}}},
                {"spec", {{"group", "wftest.kratix.io"}, {"scope", "Namespaced"},
                          {"names", {{"kind", kind}, {"plural", plural}, {"singular", plural.substr(0, plural.size() - 1)}}},
                          {"versions", Json::array({{{"name", "v1alpha1"}, {"served", true}, {"storage", true},
                                                     {"schema", {{"openAPIV3Schema", schema}}}}})}}}};
    Json workflows = Json::object();
    if (!resource_configure.empty()) workflows["resource"]["configure"] = std::move(resource_configure);
    if (!promise_configure.empty()) workflows["promise"]["configure"] = std::move(promise_configure);
    return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Promise"}, {"metadata", {{"name", name}}},
            {"spec", {{"destinationSelectors", Json::array({{{"matchLabels", {{"environment", "dev"}}}}})},
                      {"api", std::move(api)}, {"workflows", std::move(workflows)}}}};
  }
  // A Pipeline of one shell container on the utility image; spec is merged into the Pipeline's spec.
  static Json pipeline(const std::string& name, const std::string& script, const Json& spec = Json::object()) {
    Json p = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Pipeline"}, {"metadata", {{"name", name}}},
              {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "localhost/pave-pipeline-utility:dev"},
                                                      {"command", {"sh", "-c"}}, {"args", {"set -e\n" + script}}}})}}}};
    p["spec"].merge_patch(spec);
    return p;
  }
  // A request of the API of promise(..., kind, ...) in the test's namespace.
  static Json request(const std::string& kind, const std::string& name, const Json& spec = Json::object()) {
    return {{"apiVersion", "wftest.kratix.io/v1alpha1"}, {"kind", kind}, {"metadata", {{"name", name}}}, {"spec", spec}};
  }

  // Requests, Promises, Jobs and Events, read as the tests look at them.
  std::string rr(const std::string& kind, const std::string& name, const std::string& jsonpath) {
    std::string plural;
    for (char c : kind) plural += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return get(plural + "s.wftest.kratix.io", name, jsonpath);
  }
  std::string promise_field(const std::string& name, const std::string& jsonpath) {
    return get("promise", name, jsonpath);
  }
  // The selector of the Jobs (and Pods) of one pipeline of a request.
  static std::string of(const std::string& request, const std::string& pipeline) {
    return "kratix.io/resource-name=" + request + ",kratix.io/pipeline-name=" + pipeline;
  }
  bool failed(const std::string& kind, const std::string& name) {
    return rr(kind, name, condition("ConfigureWorkflowCompleted", "reason")) == "ConfigureWorkflowFailed";
  }
  bool reconciled(const std::string& kind, const std::string& name) {
    return rr(kind, name, condition("Reconciled", "status")) == "True";
  }
  // Whether an Event of this type about objects named name says text (within 30 s: Events are written in
  // the background).
  bool has_event(const std::string& name, const std::string& type, const std::string& text) {
    return eventually([&] {
      const std::string all = events_of(name);
      for (size_t at = 0; at < all.size();) {
        const size_t end = std::min(all.find('\n', at), all.size());
        const std::string line = all.substr(at, end - at);
        if (line.starts_with(type + " ") && line.find(text) != std::string::npos) return true;
        at = end + 1;
      }
      return false;
    }, std::chrono::seconds(30), kPoll);
  }
  bool job_complete(const std::string& job, const std::string& in) {
    return get("job", job, condition("Complete", "status"), in) == "True";
  }

  static constexpr std::chrono::seconds kLong{180};
  static constexpr std::chrono::seconds kPoll{1};

  std::optional<GitServer> git_;
  std::optional<kube::Client> client_;
  std::optional<base::TempDir> cache_;
  std::unique_ptr<platform::StateStoreRegistry> registry_;
  std::unique_ptr<kube::Manager> manager_;
  std::unique_ptr<platform::ResourceControllers> workflows_;
  std::thread thread_;
  std::vector<std::string> promises_;
};

}  // namespace pave::testing
