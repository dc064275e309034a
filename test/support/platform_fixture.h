// PlatformControllers: a test fixture running Pave's reconcilers as `pave controller` wires them
// (platform::add_controllers) against the test's control plane, with builders for the state stores,
// Destinations, Works and WorkPlacements the tests make. Every test of stores, Destinations and
// placements builds them here, from objects rather than concatenated YAML.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "base/subprocess.h"
#include "kube/manager.h"
#include "kube/object.h"
#include "api/kratix.h"
#include "platform/controllers.h"
#include "statestore/layout.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/s3_server.h"

namespace pave::platform {

using namespace std::chrono_literals;
using testing::eventually;

// What a test says of a Destination; everything else is Kratix's default.
struct DestinationSpec {
  std::string path;
  std::string store;                       // the state store's name
  std::string store_kind = "GitStateStore";
  std::map<std::string, std::string> labels;
  std::string mode;                        // filepath.mode, when not the default
  bool cleanup_all = false;
  std::optional<bool> init_workloads;
};

// A Destination object as a test describes it.
inline kube::Json destination_object(const std::string& name, const DestinationSpec& d) {
  kube::Json spec = {{"path", d.path}, {"stateStoreRef", {{"kind", d.store_kind}, {"name", d.store}}}};
  if (!d.mode.empty()) spec["filepath"] = {{"mode", d.mode}};
  if (d.cleanup_all) spec["cleanup"] = "all";
  if (d.init_workloads) spec["initWorkloads"] = {{"enabled", *d.init_workloads}};
  kube::Json metadata = {{"name", name}};
  if (!d.labels.empty()) metadata["labels"] = d.labels;
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Destination"}, {"metadata", metadata}, {"spec", spec}};
}

class PlatformControllers : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    auto crds = cluster().kubectl({"apply", "-f", PAVE_CRD_DIR});
    ASSERT_TRUE(crds.ok()) << crds.err;
    ASSERT_TRUE(cluster().kubectl({"wait", "--for=condition=Established", "crd/gitstatestores.platform.kratix.io",
                                   "crd/bucketstatestores.platform.kratix.io", "crd/destinations.platform.kratix.io",
                                   "crd/workplacements.platform.kratix.io", "crd/works.platform.kratix.io", "crd/promises.platform.kratix.io",
                                   "--timeout=60s"}).ok());
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    cache_.emplace(base::TempDir::create("statestore-cache").value());
    start_controllers();
  }
  virtual ControllerOptions controller_options() const { return {}; }
  // As `pave controller` starting: a manager, a registry with no store opened yet, every controller.
  void start_controllers() {
    registry_ = std::make_unique<StateStoreRegistry>();
    manager_ = std::make_unique<kube::Manager>(*client_, kube::ManagerOptions{.name = "state-stores",
        .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "test"}});
    ControllerOptions options = controller_options();
    options.cache_dir = cache_->path().string();
    options.secret_namespace = ns();
    workflows_ = add_controllers(*manager_, *registry_, options);
    runner_ = std::thread([this] { manager_->run(); });
  }
  void stop_controllers() {
    if (manager_) manager_->stop();
    if (runner_.joinable()) runner_.join();
    registry_.reset();  // as in main(): writers go before the manager
    workflows_.reset();
    manager_.reset();
  }
  void TearDown() override {
    stop_controllers();
    ClusterTest::TearDown();
  }
  std::string ready(const std::string& kind, const std::string& name, const std::string& field) {
    return cluster().kubectl({"get", kind, name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")]." + field + "}"}).out;
  }
  void secret(const std::string& name, std::map<std::string, std::string> data) {
    std::vector<std::string> args{"create", "secret", "generic", name, "--dry-run=client", "-o", "yaml"};
    for (const auto& [k, v] : data) args.push_back("--from-literal=" + k + "=" + v);
    auto yaml = kubectl(args).out;
    ASSERT_TRUE(kubectl({"apply", "-f", "-"}, yaml).ok());
  }

  // Applies objects (JSON, which kubectl reads as YAML) with the cluster's admin.
  void apply(const std::vector<kube::Json>& objects) {
    std::string docs;
    for (const auto& o : objects) docs += "---\n" + o.dump() + "\n";
    auto applied = cluster().kubectl({"apply", "-f", "-"}, docs);
    ASSERT_TRUE(applied.ok()) << applied.err;
  }
  // A GitStateStore on url whose credentials are in the test namespace's Secret secret_name.
  static kube::Json git_store(const std::string& name, const std::string& url, const std::string& secret_name,
                              const std::string& ns, const std::string& auth_method = "basicAuth") {
    return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "GitStateStore"}, {"metadata", {{"name", name}}},
            {"spec", {{"url", url}, {"authMethod", auth_method}, {"secretRef", {{"name", secret_name}, {"namespace", ns}}}}}};
  }
  kube::Json git_store(const std::string& name, const std::string& url, const std::string& secret_name = "git-creds") {
    return git_store(name, url, secret_name, ns());
  }
  // A BucketStateStore on bucket at endpoint (host:port), over http unless tls.
  kube::Json bucket_store(const std::string& name, const std::string& endpoint, const std::string& bucket = "kratix",
                          const std::string& secret_name = "s3-creds", bool tls = false) {
    return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "BucketStateStore"}, {"metadata", {{"name", name}}},
            {"spec", {{"endpoint", endpoint}, {"bucketName", bucket}, {"insecure", !tls},
                      {"secretRef", {{"name", secret_name}, {"namespace", ns()}}}}}};
  }
  static kube::Json destination(const std::string& name, const DestinationSpec& d) { return destination_object(name, d); }

  // A Git server with a repository "state", a GitStateStore on it (named git-<namespace>) and a Destination
  // (labelled suite=<namespace>) at path in it, Ready.
  void git_destination(std::optional<testing::GitServer>& server, const std::string& dest, const std::string& path) {
    auto started = testing::GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(started.has_value()) << started.error();
    server.emplace(std::move(*started));
    const std::string url = server->create_repo("state"), store = "git-" + ns();
    secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
    apply({git_store(store, url), destination(dest, {.path = path, .store = store, .labels = {{"suite", ns()}}})});
    ASSERT_TRUE(eventually([&] { return ready("destination", dest, "status") == "True"; }, 30s));
  }
  // A resource Work for promise redis (unless labels say otherwise), one workload group selecting
  // suite=<namespace>, one ConfigMap.
  std::string resource_work(const std::string& name, const std::string& resource, const std::string& labels = "{}",
                            const std::string& promise = "redis") {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: Work\nmetadata: {name: " + name + ", labels: " + labels +
           "}\nspec:\n  promiseName: " + promise + "\n  resourceName: " + resource +
           "\n  workloadGroups:\n  - id: 5058f1af8388633f609cadb75a75dc9d\n    directory: .\n"
           "    destinationSelectors: [{source: promise, matchLabels: {suite: " + ns() + "}}]\n"
           "    workloads: [{filepath: cm.yaml, content: \"" + statestore::encode_workload_content("kind: ConfigMap\n") + "\"}]\n";
  }

  // A WorkPlacement made by hand (not by the scheduler) with one workload, content already encoded.
  static std::string work_placement(const std::string& name, const std::string& dest, const std::string& pipeline,
                                    const std::string& promise, const std::string& resource, const std::string& filepath,
                                    const std::string& content) {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: WorkPlacement\nmetadata:\n  name: " + name +
           "\n  labels: {kratix.io/pipeline-name: " + pipeline + "}\nspec:\n  targetDestinationName: " + dest +
           "\n  promiseName: " + promise + "\n  resourceName: " + resource + "\n  id: 5058f1af8388633f609cadb75a75dc9d\n"
           "  workloads:\n  - {filepath: " + filepath + ", content: \"" + content + "\"}\n";
  }

  std::optional<kube::Client> client_;
  std::optional<base::TempDir> cache_;
  std::unique_ptr<StateStoreRegistry> registry_;
  std::unique_ptr<kube::Manager> manager_;
  std::unique_ptr<ResourceControllers> workflows_;
  std::thread runner_;
};

}  // namespace pave::platform
