// State stores through the controllers, as their writers change hands: a store deleted or its Secret
// changed while a push hangs, and a Git server behind a private CA trusted through the store's Secret.
// Real control plane, real Git servers (git-http-backend behind nginx, paused to hang a push).
#include "support/platform_fixture.h"

namespace pave::platform {
namespace {

class StateStores : public PlatformControllers {
 protected:
  // A Git server with a repository "state", a GitStateStore named store on it and a Destination dest at
  // path, Ready.
  void git_destination(std::optional<testing::GitServer>& server, const std::string& store, const std::string& dest,
                       const std::string& path) {
    auto started = testing::GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(started.has_value()) << started.error();
    server.emplace(std::move(*started));
    apply({git_store(store, server->create_repo("state")), destination(dest, {.path = path, .store = store})});
    ASSERT_TRUE(eventually([&] { return ready("destination", dest, "status") == "True"; }, 30s)) << dest;
  }
  std::string placement_ready(const std::string& wp) {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}).out;
  }
  void place(const std::string& wp, const std::string& dest, const std::string& resource) {
    ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work_placement(wp, dest, "configure", "redis", resource, "cm.yaml",
                                                              statestore::encode_workload_content("kind: ConfigMap\n"))).ok());
  }
  std::string resource_file(const std::string& path, const std::string& resource) const {
    return path + "/resources/" + ns() + "/redis/" + resource + "/configure/5058f/cm.yaml";
  }
};

TEST_F(StateStores, AStoreDeletedWhileItsPushHangsHoldsUpNoOtherStoreAndLosesNoWrite) {
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  std::optional<testing::GitServer> hung, fine;
  const std::string hung_store = "hung-" + ns(), fine_store = "fine-" + ns();
  ASSERT_NO_FATAL_FAILURE(git_destination(hung, hung_store, "dest-hung-" + ns(), "hung"));
  ASSERT_NO_FATAL_FAILURE(git_destination(fine, fine_store, "dest-fine-" + ns(), "fine"));

  // A write in flight to a server that answers nothing, then its store deleted: its writer must write
  // what it holds before it goes, but nobody else may wait for that.
  hung->pause(true);
  place("wp-hung", "dest-hung-" + ns(), "r-hung");
  std::this_thread::sleep_for(2s);  // the batch reaches the writer and its push hangs
  ASSERT_TRUE(cluster().kubectl({"delete", "gitstatestore", hung_store, "--wait=false"}).ok());
  ASSERT_TRUE(eventually([&] { return registry_->get("GitStateStore", hung_store) == nullptr; }, 10s));
  EXPECT_TRUE(registry_->closing("GitStateStore", hung_store)) << "its push still hangs";

  const auto start = std::chrono::steady_clock::now();
  place("wp-fine", "dest-fine-" + ns(), "r-fine");
  ASSERT_TRUE(eventually([&] { return placement_ready("wp-fine") == "True"; }, 20s))
      << "another store's WorkPlacement waited for the hung store's writer to close";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(std::filesystem::exists(resource_file(fine->clone("state") + "/fine", "r-fine")));

  hung->pause(false);
  ASSERT_TRUE(eventually([&] { return !registry_->closing("GitStateStore", hung_store); }, 60s));
  EXPECT_TRUE(std::filesystem::exists(resource_file(hung->clone("state") + "/hung", "r-hung")))
      << "the write pending when the store went was lost";
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

TEST_F(StateStores, ANewSecretWaitsForTheLastWriterToLetGoOfTheCacheThenWritesThroughTheNext) {
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  std::optional<testing::GitServer> server;
  const std::string store = "handover-" + ns(), dest = "dest-handover-" + ns();
  ASSERT_NO_FATAL_FAILURE(git_destination(server, store, dest, "handover"));
  const auto first_writer = registry_->get("GitStateStore", store);
  ASSERT_NE(first_writer, nullptr);

  server->pause(true);
  place("wp-before", dest, "before");
  std::this_thread::sleep_for(2s);
  // New credentials (the same, with a note beside them: a new resourceVersion) while the push hangs.
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}, {"note", "rotated"}});
  ASSERT_TRUE(eventually([&] { return registry_->closing("GitStateStore", store); }, 20s));
  EXPECT_EQ(registry_->get("GitStateStore", store), nullptr) << "the next writer opened the cache the last one still holds";

  server->pause(false);
  ASSERT_TRUE(eventually([&] {
    auto writer = registry_->get("GitStateStore", store);
    return writer && writer != first_writer;
  }, 60s));
  ASSERT_TRUE(eventually([&] { return placement_ready("wp-before") == "True"; }, 60s))
      << kubectl({"get", "workplacement", "wp-before", "-o", "yaml"}).out;
  place("wp-after", dest, "after");
  ASSERT_TRUE(eventually([&] { return placement_ready("wp-after") == "True"; }, 30s));
  const std::string clone = server->clone("state");
  EXPECT_TRUE(std::filesystem::exists(resource_file(clone + "/handover", "before")));
  EXPECT_TRUE(std::filesystem::exists(resource_file(clone + "/handover", "after")));
  EXPECT_EQ(ready("gitstatestore", store, "status"), "True");
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

TEST_F(StateStores, AnHttpsGitServerBehindAPrivateCaIsTrustedThroughTheStoresSecret) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  server->create_repo("state");
  const std::string store = "private-ca-" + ns(), dest = "dest-private-ca-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  apply({git_store(store, server->https_url("state")), destination(dest, {.path = "ca", .store = store})});

  // Verification is on: without the CA the server is not trusted, and the condition says so.
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "ErrorInitialisingWriter"; }, 30s))
      << ready("gitstatestore", store, "reason");
  const std::string refused = ready("gitstatestore", store, "message");
  EXPECT_NE(refused.find("not trusted"), std::string::npos) << refused;

  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}, {"ca.crt", server->ca_pem()}});
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "StateStoreReady"; }, 30s))
      << ready("gitstatestore", store, "message");
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "TestDocumentsWritten"; }, 30s));
  EXPECT_TRUE(std::filesystem::exists(server->clone("state") + "/ca/dependencies/kratix-canary-namespace.yaml"));
}

}  // namespace
}  // namespace pave::platform
