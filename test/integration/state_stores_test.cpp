// State stores through the controllers, as their writers change hands: a store deleted or its Secret
// changed while a push hangs, and a Git server behind a private CA trusted through the store's Secret.
// Real control plane, real Git servers (git-http-backend behind nginx, paused to hang a push).
#include "support/platform_fixture.h"

#include <atomic>
#include <future>
#include <sstream>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "platform/work_placement_reconciler.h"
#include "statestore/git_writer.h"
#include "support/github_api.h"

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
  std::this_thread::sleep_for(2s);  // the batch reaches the writer and its push hangs (checked below: closing)
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

TEST_F(StateStores, CleanupAllTakesTheDestinationsWorkPlacementsAndTheirFilesWithIt) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  const std::string store = "cleanup-" + ns(), doomed = "doomed-" + ns(), kept = "kept-" + ns();
  apply({git_store(store, server->create_repo("state")),
         destination(doomed, {.path = "doomed", .store = store, .labels = {{"suite", ns()}, {"fate", "doomed"}}, .cleanup_all = true}),
         destination(kept, {.path = "kept", .store = store, .labels = {{"fate", "kept"}}})});
  ASSERT_TRUE(eventually([&] { return ready("destination", doomed, "status") == "True" && ready("destination", kept, "status") == "True"; }, 30s));
  // Two resource Works, both placed on the doomed Destination (the only one matching suite=<ns>).
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, resource_work("w1", "r1") + "---\n" + resource_work("w2", "r2")).ok());
  auto placements_on = [&](const std::string& dest) {
    return kubectl({"get", "workplacements", "-l", "kratix.io/targetDestinationName=" + dest, "-o", "name"}).out;
  };
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "workplacements", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}"}).out == "True True";
  }, 60s));
  const std::string resources = "/doomed/resources/" + ns() + "/redis/";
  std::string clone = server->clone("state");
  ASSERT_TRUE(std::filesystem::exists(clone + resources + "r1"));
  ASSERT_TRUE(std::filesystem::exists(clone + resources + "r2"));

  ASSERT_TRUE(cluster().kubectl({"delete", "destination", doomed, "--wait=false"}).ok());
  ASSERT_TRUE(eventually([&] { return !cluster().kubectl({"get", "destination", doomed}).ok(); }, 60s))
      << "the Destination is held: " << placements_on(doomed);
  EXPECT_EQ(placements_on(doomed), "") << "its WorkPlacements went with it";
  clone = server->clone("state");
  EXPECT_FALSE(std::filesystem::exists(clone + "/doomed")) << "every file under the Destination's path is gone";
  EXPECT_TRUE(std::filesystem::exists(clone + "/kept/dependencies/kratix-canary-namespace.yaml")) << "another Destination's stay";
  kubectl({"delete", "works", "--all", "--wait=false"});
}

TEST_F(StateStores, ADestinationWithoutCleanupHeldBySomeoneElsesFinalizerLeavesItsWorkPlacements) {
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  std::optional<testing::GitServer> server;
  const std::string dest = "held-" + ns().substr(ns().size() - 5);
  ASSERT_NO_FATAL_FAILURE(git_destination(server, "held-" + ns(), dest, "held"));
  place("wp-held", dest, "kept");
  ASSERT_TRUE(eventually([&] { return placement_ready("wp-held") == "True"; }, 30s));
  // cleanup: none, and a finalizer of someone else's (as a foreground deletion adds one): deleting, not gone.
  ASSERT_TRUE(cluster().kubectl({"patch", "destination", dest, "--type=merge", "-p",
                                 R"({"metadata":{"finalizers":["example.com/hold"]}})"}).ok());
  ASSERT_TRUE(cluster().kubectl({"delete", "destination", dest, "--wait=false"}).ok());
  // What is under test is that nothing happens: a fixed wait, several times the second or so the
  // controllers took to delete the WorkPlacement before the fix.
  std::this_thread::sleep_for(5s);
  EXPECT_TRUE(kubectl({"get", "workplacement", "wp-held"}).ok()) << "cleanup: none deleted a WorkPlacement";
  EXPECT_TRUE(std::filesystem::exists(resource_file(server->clone("state") + "/held", "kept")));
  ASSERT_TRUE(cluster().kubectl({"patch", "destination", dest, "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"}).ok());
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

TEST_F(StateStores, OnANoneDestinationAFileTwoPlacementsNameIsTheFirstPlacementsWhateverTheOrder) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  const std::string store = "flat-" + ns(), dest = "flat-" + ns();
  apply({git_store(store, server->create_repo("state")), destination(dest, {.path = "flat", .store = store, .mode = "none"})});
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "status") == "True"; }, 30s));
  auto both = [&](const std::string& name, const std::string& own, const std::string& shared) {
    kube::Json wp = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "WorkPlacement"},
                     {"metadata", {{"name", name}, {"namespace", ns()}, {"labels", {{"kratix.io/pipeline-name", "configure"}}}}},
                     {"spec", {{"targetDestinationName", dest}, {"promiseName", "app"}, {"resourceName", name},
                               {"id", "5058f1af8388633f609cadb75a75dc9d"},
                               {"workloads", {{{"filepath", name + ".yaml"}, {"content", statestore::encode_workload_content(own)}},
                                              {{"filepath", "shared.yaml"}, {"content", statestore::encode_workload_content(shared)}}}}}}};
    apply({wp});
  };
  auto file = [&](const std::string& path) { return base::run({.argv = {"cat", server->clone("state") + "/flat/" + path}}); };
  auto all_ready = [&](const std::string& expected) {
    return eventually([&] {
      return kubectl({"get", "workplacements", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}"}).out == expected;
    }, 60s);
  };
  // "b" first, then "a": the last write would be a's by chance of order; it is a's because "a" sorts first.
  both("b", "kind: B", "from: b");
  ASSERT_TRUE(all_ready("True"));
  EXPECT_EQ(file("shared.yaml").out, "from: b");
  both("a", "kind: A", "from: a");
  ASSERT_TRUE(all_ready("True True"));
  ASSERT_TRUE(eventually([&] { return file("shared.yaml").out == "from: a"; }, 30s)) << file("shared.yaml").out;
  // b no longer lists it, so b's going could not delete a's file.
  ASSERT_TRUE(eventually([&] { return file(".kratix/" + ns() + "-b.yaml").out == "files:\n- flat/b.yaml\n"; }, 30s))
      << file(".kratix/" + ns() + "-b.yaml").out;

  // The owner goes: the file stays, and becomes b's.
  ASSERT_TRUE(kubectl({"delete", "workplacement", "a", "--wait=false"}).ok());
  ASSERT_TRUE(eventually([&] { return !kubectl({"get", "workplacement", "a"}).ok(); }, 30s));
  ASSERT_TRUE(eventually([&] { return file("shared.yaml").out == "from: b"; }, 30s)) << file("shared.yaml").out;
  EXPECT_FALSE(file("a.yaml").ok()) << "a's own file went with it";
  EXPECT_EQ(file("b.yaml").out, "kind: B");

  // The last one goes: nothing of either is left.
  ASSERT_TRUE(kubectl({"delete", "workplacement", "b"}).ok());
  ASSERT_TRUE(eventually([&] { return !file("shared.yaml").ok() && !file("b.yaml").ok(); }, 30s));
}

TEST_F(StateStores, AGitHubAppStoreWritesWithItsInstallationToken) {
  const auto [key, public_key] = testing::GitHubApi::app_key_pair();
  testing::GitHubApi api(public_key, "ghs_from_the_app", std::chrono::hours(1));
  auto server = testing::GitServer::start("x-access-token", "ghs_from_the_app");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string store = "app-" + ns(), dest = "dest-app-" + ns();
  // Kratix's keys, with the API's address (GitHub Enterprise's, here a loopback one) and its CA beside them.
  secret("app-creds", {{"appID", "1234"}, {"installationID", "42"}, {"privateKey", key}, {"apiURL", api.url()},
                       {"ca.crt", api.ca_pem()}});
  apply({git_store(store, server->create_repo("state"), "app-creds", ns(), "githubApp"),
         destination(dest, {.path = "app", .store = store})});
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "StateStoreReady"; }, 30s))
      << ready("gitstatestore", store, "message");
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "TestDocumentsWritten"; }, 30s));
  EXPECT_TRUE(std::filesystem::exists(server->clone("state") + "/app/dependencies/kratix-canary-namespace.yaml"));
  EXPECT_GE(api.requests(), 1);

  // Another installation: GitHub's refusal on the store's condition.
  secret("app-creds", {{"appID", "1234"}, {"installationID", "7"}, {"privateKey", key}, {"apiURL", api.url()},
                       {"ca.crt", api.ca_pem()}});
  ASSERT_TRUE(eventually([&] { return ready("gitstatestore", store, "reason") == "ErrorInitialisingWriter"; }, 30s));
  const std::string message = ready("gitstatestore", store, "message");
  EXPECT_NE(message.find("404 Not Found"), std::string::npos) << message;
  EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(StateStores, AWorkPlacementWaitingForItsStoreSaysPending) {
  const std::string store = "later-" + ns(), dest = "dest-later-" + ns();
  apply({destination(dest, {.path = "later", .store = store})});
  place("wp-waiting", dest, "waiting");
  auto condition = [&](const std::string& type) {
    return kubectl({"get", "workplacement", "wp-waiting", "-o",
                    "jsonpath={.status.conditions[?(@.type==\"" + type + "\")]['status','reason','message']}"}).out;
  };
  ASSERT_TRUE(eventually([&] { return condition("Ready") == "False ScheduledToDestination Pending"; }, 30s)) << condition("Ready");
  EXPECT_EQ(condition("ScheduleSucceeded"), "True ScheduledToDestination Scheduled to correct Destination");

  // The store arrives: written, Ready.
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  apply({git_store(store, server->create_repo("state"))});
  ASSERT_TRUE(eventually([&] { return condition("Ready") == "True WorkloadsWrittenToTargetDestination Ready"; }, 30s))
      << condition("Ready");
  EXPECT_TRUE(std::filesystem::exists(resource_file(server->clone("state") + "/later", "waiting")));
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

// A store's spec.path is cleaned as Go's path.Join would (Kratix joins it so): a directory named with a
// leading dot is kept, and a path that climbs out of the repository makes the store NotReady, saying why.
TEST_F(StateStores, AStorePathIsCleanedKeepingDotNamesAndOneThatClimbsOutIsRefused) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  const std::string url = server->create_repo("state");
  const std::string dotted = "dotted-" + ns(), climbing = "climbing-" + ns(), dest = "dest-dotted-" + ns();
  kube::Json dotted_store = git_store(dotted, url), climbing_store = git_store(climbing, url);
  dotted_store["spec"]["path"] = "./.fleet//eu/";
  climbing_store["spec"]["path"] = "fleet/../../elsewhere";
  apply({dotted_store, climbing_store, destination(dest, {.path = "dev", .store = dotted})});

  auto condition = [&](const std::string& store) {
    return kubectl({"get", "gitstatestore", store, "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")]['status','reason','message']}"}).out;
  };
  ASSERT_TRUE(eventually([&] { return !condition(climbing).empty(); }, 30s));
  EXPECT_EQ(condition(climbing), "False ErrorInitialisingWriter Error initialising writer: spec.path \"fleet/../../elsewhere\" "
                                 "climbs out of the store (a \"..\" above its root)");
  ASSERT_TRUE(eventually([&] { return condition(dotted).starts_with("True"); }, 30s)) << condition(dotted);

  place("wp-dotted", dest, "dotted");
  ASSERT_TRUE(eventually([&] { return placement_ready("wp-dotted") == "True"; }, 30s));
  EXPECT_TRUE(std::filesystem::exists(resource_file(server->clone("state") + "/.fleet/eu/dev", "dotted")));

  // Mended, the store writes.
  climbing_store["spec"]["path"] = "elsewhere";
  apply({climbing_store});
  EXPECT_TRUE(eventually([&] { return condition(climbing).starts_with("True"); }, 30s)) << condition(climbing);
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

// A store refreshed every second reads its Secret from the API server only when the Secret changed (the
// Secret informer caches names and resourceVersions, never data). Counted by the API server itself.
class StateStoresRefreshingEverySecond : public StateStores {
 protected:
  ControllerOptions controller_options() const override {
    ControllerOptions o;
    o.store_refresh_seconds = 1;
    return o;
  }
  // Secret GETs the API server has answered (apiserver_request_total).
  long secret_gets() const {
    std::istringstream metrics(cluster().kubectl({"get", "--raw", "/metrics"}).out);
    long total = 0;
    for (std::string line; std::getline(metrics, line);) {
      if (line.starts_with("apiserver_request_total{") && line.find("resource=\"secrets\"") != std::string::npos &&
          line.find("verb=\"GET\"") != std::string::npos) {
        total += std::stol(line.substr(line.rfind(' ') + 1));
      }
    }
    return total;
  }
  int fetches(const std::string& store) const {
    auto writer = std::dynamic_pointer_cast<statestore::GitWriter>(registry_->get("GitStateStore", store));
    return writer ? writer->fetches() : -1;
  }
};

TEST_F(StateStoresRefreshingEverySecond, ARefreshReadsTheSecretOnlyWhenItChanged) {
  // Stores are cluster-wide: those earlier tests left, whose Secrets went with their namespaces, would
  // read them again and again (NotFound) and be counted too.
  ASSERT_TRUE(cluster().kubectl({"delete", "gitstatestores,bucketstatestores", "--all", "--timeout=60s"}).ok());
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  std::optional<testing::GitServer> server;
  const std::string store = "refreshed-" + ns();
  ASSERT_NO_FATAL_FAILURE(git_destination(server, store, "dest-refreshed-" + ns(), "refreshed"));
  std::this_thread::sleep_for(2s);  // the Secret informer has seen the Secret the writer was opened with
  const long gets = secret_gets();
  const int fetched = fetches(store);
  const auto writer = registry_->get("GitStateStore", store);
  ASSERT_TRUE(eventually([&] { return fetches(store) >= fetched + 3; }, 20s)) << "the store was not refreshed";
  EXPECT_EQ(secret_gets(), gets) << "a refresh read the unchanged Secret";

  // A changed Secret is read, and its writer opened again.
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}, {"note", "rotated"}});
  EXPECT_TRUE(eventually([&] {
    auto now = registry_->get("GitStateStore", store);
    return now && now != writer;
  }, 20s)) << "the writer was not opened again";
  EXPECT_EQ(ready("gitstatestore", store, "status"), "True");
}

// Kratix's stateStoreReconciliationInterval: written WorkPlacements are written again this often, which
// puts back what was changed behind Pave's back; 0 turns that off.
template <int kSeconds>
class StateStoresRewritingEvery : public StateStores {
 protected:
  ControllerOptions controller_options() const override {
    ControllerOptions o;
    o.kratix.state_store_reconciliation_interval = std::chrono::seconds(kSeconds);
    return o;
  }
  // A Ready WorkPlacement whose file is then deleted on the remote by someone else; the clone's path.
  void written_then_deleted_behind_its_back(std::optional<testing::GitServer>& server) {
    secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
    // Destination names end up in labels: at most 63 characters.
    dest_ = "rw-" + std::to_string(kSeconds) + "-" + ns().substr(ns().size() - 5);
    ASSERT_NO_FATAL_FAILURE(git_destination(server, "rewrite-" + ns(), dest_, "rewrite"));
    place("wp-rewrite", dest_, "r");
    ASSERT_TRUE(eventually([&] { return placement_ready("wp-rewrite") == "True"; }, 30s));
    const std::string work = server->clone("state");
    const std::string file = resource_file("rewrite", "r");
    ASSERT_TRUE(server->git(work, {"rm", "-q", file}).ok());
    ASSERT_TRUE(server->git(work, {"-c", "user.name=someone", "-c", "user.email=s@e", "commit", "-qm", "oops"}).ok());
    ASSERT_TRUE(server->git(work, {"push", "-q", "origin", "HEAD:main"}).ok());
  }
  std::string dest_;
};
using StateStoresRewritingEvery3s = StateStoresRewritingEvery<3>;
using StateStoresNeverRewriting = StateStoresRewritingEvery<0>;

TEST_F(StateStoresRewritingEvery3s, AFileDeletedOnTheRemoteIsPutBackAtTheNextRewrite) {
  std::optional<testing::GitServer> server;
  ASSERT_NO_FATAL_FAILURE(written_then_deleted_behind_its_back(server));
  EXPECT_TRUE(eventually([&] {
    return std::filesystem::exists(resource_file(server->clone("state") + "/rewrite", "r"));
  }, 30s)) << "not written again";
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

TEST_F(StateStoresNeverRewriting, ZeroTurnsTheRewriteOff) {
  std::optional<testing::GitServer> server;
  ASSERT_NO_FATAL_FAILURE(written_then_deleted_behind_its_back(server));
  std::this_thread::sleep_for(8s);  // more than twice the other test's interval: nothing may come back
  EXPECT_FALSE(std::filesystem::exists(resource_file(server->clone("state") + "/rewrite", "r")));
  kubectl({"delete", "workplacements", "--all", "--wait=false"});
}

// The WorkPlacement reconciler driven by hand, with real informers, a real Git writer and a real server,
// so a test can stop a reconcile between building its change and submitting it.
class AggregatedYamlOrder : public testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", PAVE_CRD_DIR}).ok());
    ASSERT_TRUE(cluster().kubectl({"wait", "--for=condition=Established", "crd/destinations.platform.kratix.io",
                                   "crd/workplacements.platform.kratix.io", "--timeout=60s"}).ok());
    client_.emplace(kube::make_client(kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value()).value());
  }
  std::optional<kube::Client> client_;
};

TEST_F(AggregatedYamlOrder, TheLastWriteOfTheAggregateIsBuiltFromTheNewestPlacements) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  auto cache = base::TempDir::create("aggregate-order").value();
  auto writer = statestore::GitWriter::open({.url = server->create_repo("state"), .username = "kratix", .password = "s3cr3t"},
                                            cache.path().string());
  ASSERT_TRUE(writer.has_value()) << writer.error().to_string();
  StateStoreRegistry registry;
  const std::string store = "agg-order-" + ns(), dest = "agg-order-" + ns();
  registry.put("GitStateStore", store, "1", std::shared_ptr<statestore::Writer>(std::move(*writer)));
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, destination_object(dest,
      {.path = "agg", .store = store, .mode = "aggregatedYAML"}).dump()).ok());

  kube::Informer placements(*client_, api::work_placements(), {.namespace_ = ns()});
  placements.add_index(WorkPlacementReconciler::kDestinationIndex, WorkPlacementReconciler::destination_index());
  kube::Informer destinations(*client_, api::destinations());
  placements.start();
  destinations.start();
  ASSERT_TRUE(placements.wait_for_sync(30s) && destinations.wait_for_sync(30s));
  kube::EventRecorder events(*client_, {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = "test"});
  WorkPlacementReconciler reconciler(*client_, placements, destinations, registry, events);

  // Three placements on the Destination, each holding its deletion with the finalizer Pave gives it.
  for (const std::string name : {"a", "b", "c"}) {
    std::string kind = name;
    kind[0] = static_cast<char>(std::toupper(kind[0]));
    const kube::Json wp = {
        {"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "WorkPlacement"},
        {"metadata", {{"name", name}, {"labels", {{"kratix.io/pipeline-name", "configure"}}},
                      {"finalizers", {api::work_placement::kRepoCleanupFinalizer}}}},
        {"spec", {{"targetDestinationName", dest}, {"promiseName", "app"}, {"resourceName", name},
                  {"id", "5058f1af8388633f609cadb75a75dc9d"},
                  {"workloads", {{{"filepath", "app.yaml"}, {"content", statestore::encode_workload_content("kind: " + kind)}}}}}}};
    ASSERT_TRUE(client_->create(api::work_placements(), ns(), wp).has_value());
  }
  auto cached = [&](const std::string& name, bool deleting) {
    return eventually([&] {
      auto wp = placements.store().get(ns() + "/" + name);
      return wp && (*wp)["metadata"].contains("deletionTimestamp") == deleting;
    }, 10s);
  };
  for (const std::string name : {"a", "b", "c"}) ASSERT_TRUE(cached(name, false));
  auto aggregate = [&] { return base::run({.argv = {"cat", server->clone("state") + "/agg/aggregated.yaml"}}).out; };
  ASSERT_TRUE(reconciler.reconcile({ns(), "c"}).has_value());
  ASSERT_TRUE(eventually([&] { return aggregate() == "kind: A\n---\nkind: B\n---\nkind: C"; }, 30s)) << aggregate();

  // a goes; its reconcile builds the aggregate (b still in it) and, before it submits, b goes too and b's
  // reconcile runs. Whichever order they reach the writer, the file must end with c alone.
  std::atomic<bool> b_submitted = false;
  std::future<kube::Result<kube::ReconcileResult>> b_reconcile;
  reconciler.set_before_submit([&](const kube::Request& r) {
    if (r.name == "b") {
      b_submitted = true;
      return;
    }
    if (r.name != "a") return;
    ASSERT_TRUE(client_->remove(api::work_placements(), ns(), "b").has_value());
    ASSERT_TRUE(cached("b", true));
    b_reconcile = std::async(std::launch::async, [&] { return reconciler.reconcile({ns(), "b"}); });
    // Give b every chance to overtake: up to 3 s (it cannot while a holds the Destination's order).
    for (int i = 0; i < 300 && !b_submitted; ++i) std::this_thread::sleep_for(10ms);
  });
  ASSERT_TRUE(client_->remove(api::work_placements(), ns(), "a").has_value());
  ASSERT_TRUE(cached("a", true));
  ASSERT_TRUE(reconciler.reconcile({ns(), "a"}).has_value());
  ASSERT_TRUE(b_reconcile.valid());
  ASSERT_TRUE(b_reconcile.get().has_value());
  EXPECT_TRUE(eventually([&] { return aggregate() == "kind: C"; }, 30s))
      << "the aggregate kept a deleted placement's content:\n" << aggregate();
  std::this_thread::sleep_for(2s);  // and stays so once every write is in
  EXPECT_EQ(aggregate(), "kind: C");
  registry.retire("GitStateStore", store);
  kubectl({"patch", "workplacements", "a", "b", "c", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"});
}

}  // namespace
}  // namespace pave::platform
