// The state-store reconciler with the real control plane, a real Git server and a real S3 server:
// Ready with Kratix's reason and message, NotReady for a missing Secret or wrong credentials, and back to
// Ready when the Secret is fixed.
#include <gtest/gtest.h>

#include <filesystem>

#include "kube/manager.h"
#include "platform/api/kratix.h"
#include "platform/destination_reconciler.h"
#include "platform/state_store_reconciler.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/s3_server.h"

namespace pave::platform {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

class StateStoreTest : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    auto crds = cluster().kubectl({"apply", "-f", PAVE_CRD_DIR});
    ASSERT_TRUE(crds.ok()) << crds.err;
    ASSERT_TRUE(cluster().kubectl({"wait", "--for=condition=Established", "crd/gitstatestores.platform.kratix.io",
                                   "crd/bucketstatestores.platform.kratix.io", "crd/destinations.platform.kratix.io",
                                   "--timeout=60s"}).ok());
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    cache_.emplace(base::TempDir::create("statestore-cache").value());
    manager_ = std::make_unique<kube::Manager>(*client_, kube::ManagerOptions{.name = "state-stores",
        .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "test"}});
    kube::Informer& secrets = manager_->informer(kube::resources::secrets(), {.namespace_ = ns()});
    for (const auto& [kind, resource] : {std::pair{"GitStateStore", api::git_state_stores()},
                                         std::pair{"BucketStateStore", api::bucket_state_stores()}}) {
      kube::Informer& stores = manager_->informer(resource);
      auto reconciler = std::make_shared<StateStoreReconciler>(*client_, kind, stores, registry_, manager_->events(),
                                                               cache_->path().string());
      kube::Controller& c = manager_->add_controller(std::string(kind), reconciler, {.workers = 1});
      c.watch(stores);
      c.watch_mapped(secrets, [reconciler](const kube::Json& s) { return reconciler->stores_using(s); });
    }
    kube::Informer& destinations = manager_->informer(api::destinations());
    auto destination_reconciler = std::make_shared<DestinationReconciler>(*client_, destinations, registry_, manager_->events());
    kube::Controller& dc = manager_->add_controller("destination", destination_reconciler, {.workers = 1});
    dc.watch(destinations);
    for (const auto& resource : {api::git_state_stores(), api::bucket_state_stores()}) {
      dc.watch_mapped(manager_->informer(resource),
                      [destination_reconciler](const kube::Json& s) { return destination_reconciler->destinations_using(s); });
    }
    runner_ = std::thread([this] { manager_->run(); });
  }
  void TearDown() override {
    if (manager_) manager_->stop();
    if (runner_.joinable()) runner_.join();
    manager_.reset();
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

  std::optional<kube::Client> client_;
  std::optional<base::TempDir> cache_;
  StateStoreRegistry registry_;
  std::unique_ptr<kube::Manager> manager_;
  std::thread runner_;
};

TEST_F(StateStoreTest, GitStateStoreIsReadyOnlyWithWorkingCredentials) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns();
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, R"(
apiVersion: platform.kratix.io/v1alpha1
kind: GitStateStore
metadata: {name: )" + store + R"(}
spec:
  url: )" + url + R"(
  secretRef: {name: git-creds, namespace: )" + ns() + R"(}
)").ok());

  // No Secret yet.
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "SecretNotFound"; }, 30s));
  EXPECT_EQ(ready("gitstatestore", store, "message"), "Secret git-creds not found in namespace " + ns());
  EXPECT_EQ(cluster().kubectl({"get", "gitstatestore", store, "-o", "jsonpath={.status.status}"}).out, "NotReady");

  // Wrong password: NotReady, with the writer's error and never the password.
  secret("git-creds", {{"username", "kratix"}, {"password", "wrong-password"}});
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "ErrorInitialisingWriter"; }, 30s))
      << ready("gitstatestore", store, "reason");
  const std::string message = ready("gitstatestore", store, "message");
  EXPECT_TRUE(message.starts_with("Error initialising writer: ")) << message;
  EXPECT_NE(message.find("authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong-password"), std::string::npos);

  // Fixing the Secret makes it Ready, without touching the store.
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "StateStoreReady"; }, 30s));
  EXPECT_EQ(ready("gitstatestore", store, "message"), "State store is ready");
  EXPECT_EQ(ready("gitstatestore", store, "status"), "True");
  EXPECT_EQ(cluster().kubectl({"get", "gitstatestore", store, "-o", "jsonpath={.status.status}"}).out, "Ready");
  EXPECT_NE(registry_.get("GitStateStore", store), nullptr);
  auto events = cluster().kubectl({"get", "events.events.k8s.io", "-n", "default", "--field-selector",
                                   "regarding.name=" + store, "-o", "jsonpath={.items[*].reason}"});
  EXPECT_NE(events.out.find("Ready"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("NotReady"), std::string::npos) << events.out;
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
}

TEST_F(StateStoreTest, BucketStateStoreChecksItsCredentialsWithTheServer) {
  auto server = testing::S3Server::start("kratix");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string store = "bucket-" + ns();
  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", "not-the-secret"}});
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, R"(
apiVersion: platform.kratix.io/v1alpha1
kind: BucketStateStore
metadata: {name: )" + store + R"(}
spec:
  endpoint: )" + server->endpoint() + R"(
  bucketName: kratix
  insecure: true
  secretRef: {name: s3-creds, namespace: )" + ns() + R"(}
)").ok());
  ASSERT_TRUE(eventually([&] { return ready("bucketstatestore", store, "reason") == "ErrorValidatingPermissions"; }, 30s));
  const std::string message = ready("bucketstatestore", store, "message");
  EXPECT_TRUE(message.starts_with("Error validating state store permissions: ")) << message;
  EXPECT_NE(message.find("SignatureDoesNotMatch"), std::string::npos) << message;

  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", testing::S3Server::kSecret}});
  ASSERT_TRUE(eventually([&] { return ready("bucketstatestore", store, "reason") == "StateStoreReady"; }, 30s));
  EXPECT_EQ(cluster().kubectl({"get", "bucketstatestore", store, "-o", "jsonpath={.status.status}"}).out, "Ready");
  cluster().kubectl({"delete", "bucketstatestore", store, "--wait=false"});
}

TEST_F(StateStoreTest, DestinationWritesCanaryFilesAndReportsReadyWithKratixReasons) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns(), dest = "worker-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  auto destination = [&](const std::string& extra) {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata:\n  name: " + dest +
           "\n  labels: {environment: dev}\nspec:\n  path: worker-1\n  stateStoreRef: {kind: GitStateStore, name: " + store +
           "}\n" + extra;
  };
  // The Destination comes first: its store does not exist yet.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, destination("  cleanup: all\n")).ok());
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "StateStoreNotFound"; }, 30s));
  EXPECT_EQ(ready("destination", dest, "message"), "GitStateStore/" + store + ": not found");
  EXPECT_EQ(cluster().kubectl({"get", "destination", dest, "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["kratix.io/destination-cleanup"])") << "cleanup: all holds the Destination until it has cleaned up";

  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\n"
      "metadata: {name: " + store + "}\nspec:\n  url: " + url + "\n  secretRef: {name: git-creds, namespace: " + ns() + "}\n").ok());
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "TestDocumentsWritten"; }, 30s))
      << ready("destination", dest, "reason") << ": " << ready("destination", dest, "message");
  EXPECT_EQ(ready("destination", dest, "message"), "Test documents written to State Store");
  std::string clone = server->clone("state");
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-1/dependencies/kratix-canary-namespace.yaml"));
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-1/resources/kratix-canary-configmap.yaml"));
  auto subject = server->git(clone, {"log", "-1", "--format=%s"});
  EXPECT_EQ(subject.out, "Update from: kratix-canary\n");

  // initWorkloads disabled: the canary files go and the reason changes.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, destination("  cleanup: all\n  initWorkloads: {enabled: false}\n")).ok());
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "DestinationReady"; }, 30s));
  EXPECT_EQ(ready("destination", dest, "message"), "Destination is ready");
  clone = server->clone("state");
  EXPECT_FALSE(std::filesystem::exists(clone + "/worker-1/resources/kratix-canary-configmap.yaml"));

  // Back on, then deleted with cleanup: all: the files go, then the Destination.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, destination("  cleanup: all\n")).ok());
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(server->clone("state") + "/worker-1/dependencies/kratix-canary-namespace.yaml"); }, 30s));
  ASSERT_TRUE(cluster().kubectl({"delete", "destination", dest, "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return !cluster().kubectl({"get", "destination", dest}).ok(); }, 30s));
  EXPECT_FALSE(std::filesystem::exists(server->clone("state") + "/worker-1/dependencies/kratix-canary-namespace.yaml"));
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
}

}  // namespace
}  // namespace pave::platform
