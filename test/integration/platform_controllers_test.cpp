// Pave's reconcilers, wired as `pave controller` wires them (platform::add_controllers), with the real
// control plane, a real Git server and a real S3 server: state stores Ready or NotReady with Kratix's
// reasons; Destinations and their canary files; WorkPlacements written in each layout and removed; Works
// scheduled to matching Destinations, misplaced, pending, and cleaned up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "statestore/bucket_writer.h"
#include "support/platform_fixture.h"

namespace pave::platform {
namespace {

TEST_F(PlatformControllers, GitStateStoreIsReadyOnlyWithWorkingCredentials) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns();
  apply({git_store(store, url)});

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
  EXPECT_NE(registry_->get("GitStateStore", store), nullptr);
  auto events = cluster().kubectl({"get", "events.events.k8s.io", "-n", "default", "--field-selector",
                                   "regarding.name=" + store, "-o", "jsonpath={.items[*].reason}"});
  EXPECT_NE(events.out.find("Ready"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("NotReady"), std::string::npos) << events.out;
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
}

TEST_F(PlatformControllers, BucketStateStoreChecksItsCredentialsWithTheServer) {
  auto server = testing::S3Server::start("kratix");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string store = "bucket-" + ns();
  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", "not-the-secret"}});
  apply({bucket_store(store, server->endpoint())});
  ASSERT_TRUE(eventually([&] { return ready("bucketstatestore", store, "reason") == "ErrorValidatingPermissions"; }, 30s));
  const std::string message = ready("bucketstatestore", store, "message");
  EXPECT_TRUE(message.starts_with("Error validating state store permissions: ")) << message;
  EXPECT_NE(message.find("SignatureDoesNotMatch"), std::string::npos) << message;

  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", testing::S3Server::kSecret}});
  ASSERT_TRUE(eventually([&] { return ready("bucketstatestore", store, "reason") == "StateStoreReady"; }, 30s));
  EXPECT_EQ(cluster().kubectl({"get", "bucketstatestore", store, "-o", "jsonpath={.status.status}"}).out, "Ready");
  cluster().kubectl({"delete", "bucketstatestore", store, "--wait=false"});
}

TEST_F(PlatformControllers, DestinationWritesCanaryFilesAndReportsReadyWithKratixReasons) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns(), dest = "worker-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  const DestinationSpec spec{.path = "worker-1", .store = store, .labels = {{"environment", "dev"}}, .cleanup_all = true};
  // The Destination comes first: its store does not exist yet.
  apply({destination(dest, spec)});
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "StateStoreNotFound"; }, 30s));
  EXPECT_EQ(ready("destination", dest, "message"), "GitStateStore/" + store + ": not found");
  EXPECT_EQ(cluster().kubectl({"get", "destination", dest, "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["kratix.io/destination-cleanup"])") << "cleanup: all holds the Destination until it has cleaned up";

  apply({git_store(store, url)});
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "TestDocumentsWritten"; }, 30s))
      << ready("destination", dest, "reason") << ": " << ready("destination", dest, "message");
  EXPECT_EQ(ready("destination", dest, "message"), "Test documents written to State Store");
  std::string clone = server->clone("state");
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-1/dependencies/kratix-canary-namespace.yaml"));
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-1/resources/kratix-canary-configmap.yaml"));
  auto subject = server->git(clone, {"log", "-1", "--format=%s"});
  EXPECT_EQ(subject.out, "Update from: kratix-canary\n");

  // initWorkloads disabled: the canary files go and the reason changes.
  DestinationSpec without_canaries = spec;
  without_canaries.init_workloads = false;
  apply({destination(dest, without_canaries)});
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "DestinationReady"; }, 30s));
  EXPECT_EQ(ready("destination", dest, "message"), "Destination is ready");
  clone = server->clone("state");
  EXPECT_FALSE(std::filesystem::exists(clone + "/worker-1/resources/kratix-canary-configmap.yaml"));

  // Back on, then deleted with cleanup: all: the files go, then the Destination.
  apply({destination(dest, spec)});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(server->clone("state") + "/worker-1/dependencies/kratix-canary-namespace.yaml"); }, 30s));
  ASSERT_TRUE(cluster().kubectl({"delete", "destination", dest, "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return !cluster().kubectl({"get", "destination", dest}).ok(); }, 30s));
  EXPECT_FALSE(std::filesystem::exists(server->clone("state") + "/worker-1/dependencies/kratix-canary-namespace.yaml"));
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
}

TEST_F(PlatformControllers, ADestinationPathThatLeavesTheStoreIsReportedAndNotRetried) {
  const std::string dest = "outside-" + ns();
  apply({destination(dest, {.path = "../../outside", .store = "none-such", .cleanup_all = true})});
  ASSERT_TRUE(eventually([&] { return ready("destination", dest, "reason") == "InvalidDestination"; }, 30s))
      << ready("destination", dest, "reason") << ": " << ready("destination", dest, "message");
  EXPECT_EQ(ready("destination", dest, "message"), "destination path \"../../outside\" cannot be used as a path segment");
  EXPECT_EQ(ready("destination", dest, "status"), "False");
  EXPECT_TRUE(eventually([&] {
    return cluster().kubectl({"get", "events", "--field-selector", "involvedObject.name=" + dest, "-o",
                              "jsonpath={.items[*].type} {.items[*].message}"}).out.find("Warning destination path") !=
           std::string::npos;
  }, 30s));
  // It stays so (no flapping to StateStoreNotFound while the missing store is looked for).
  const std::string rv = cluster().kubectl({"get", "destination", dest, "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  std::this_thread::sleep_for(3s);  // the scenario: time passes and nothing changes
  EXPECT_EQ(cluster().kubectl({"get", "destination", dest, "-o", "jsonpath={.metadata.resourceVersion}"}).out, rv);
  EXPECT_EQ(ready("destination", dest, "reason"), "InvalidDestination");
  // Its deletion is not held by a cleanup that can never run.
  ASSERT_TRUE(cluster().kubectl({"delete", "destination", dest, "--timeout=30s"}).ok());
}

TEST_F(PlatformControllers, AWorkPlacementWhoseDestinationIsGoneLetsGoOfItsFinalizers) {
  // Nothing can be written or cleaned for a Destination that does not exist: the finalizers would only hold
  // the WorkPlacement's deletion (Kratix retries it every 15 s).
  const std::string wp = "orphan.gone-5058f";
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: WorkPlacement\n"
      "metadata:\n  name: " + wp + "\n  finalizers: [finalizers.workplacement.kratix.io/repo-cleanup]\n"
      "spec: {targetDestinationName: gone-" + ns() + ", promiseName: p, id: 5058f1af8388633f609cadb75a75dc9d, workloads: []}\n").ok());
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.metadata.finalizers}"}).out.empty();
  }, 30s)) << kubectl({"get", "workplacement", wp, "-o", "yaml"}).out;
  ASSERT_TRUE(kubectl({"delete", "workplacement", wp, "--timeout=10s"}).ok());
}

TEST_F(PlatformControllers, WorkPlacementFilesReachTheRemoteInTheDestinationsLayoutAndGoWithIt) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns(), nested = "nested-" + ns(), flat = "flat-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  apply({git_store(store, url), destination(nested, {.path = "worker-1", .store = store}),
         destination(flat, {.path = "worker-2", .store = store, .mode = "none"})});
  auto placement = [&](const std::string& name, const std::string& dest, const std::string& content) {
    return work_placement(name, dest, "instance-configure", "redis", "example", "redis.yaml", content);
  };
  const std::string v1 = statestore::encode_workload_content("kind: Redis\nspec: {size: \"1\"}\n");
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, placement("wp-nested", nested, v1)).ok());
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, placement("wp-flat", flat, v1)).ok());
  auto cond = [&](const std::string& wp, const std::string& type, const std::string& field) {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.status.conditions[?(@.type==\"" + type + "\")]." + field + "}"}).out;
  };
  ASSERT_TRUE(eventually([&] { return cond("wp-nested", "Ready", "reason") == "WorkloadsWrittenToTargetDestination"; }, 60s))
      << kubectl({"get", "workplacement", "wp-nested", "-o", "yaml"}).out;
  ASSERT_TRUE(eventually([&] { return cond("wp-flat", "WriteSucceeded", "status") == "True"; }, 60s));
  EXPECT_EQ(cond("wp-nested", "WriteSucceeded", "reason"), "WorkloadsWrittenToStateStore");
  EXPECT_EQ(cond("wp-nested", "WriteSucceeded", "message"), "Workloads written to State Store");
  EXPECT_EQ(kubectl({"get", "workplacement", "wp-nested", "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["finalizers.workplacement.kratix.io/repo-cleanup"])");
  EXPECT_EQ(kubectl({"get", "workplacement", "wp-flat", "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["finalizers.workplacement.kratix.io/repo-cleanup","finalizers.workplacement.kratix.io/kratix-dot-files-cleanup"])");

  std::string clone = server->clone("state");
  const std::string nested_file = "/worker-1/resources/" + ns() + "/redis/example/instance-configure/5058f/redis.yaml";
  std::ifstream in(clone + nested_file);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "kind: Redis\nspec: {size: \"1\"}\n");
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-2/redis.yaml"));
  EXPECT_TRUE(std::filesystem::exists(clone + "/worker-2/.kratix/" + ns() + "-wp-flat.yaml"));
  const std::string version = kubectl({"get", "workplacement", "wp-nested", "-o", "jsonpath={.status.versionID}"}).out;
  auto history = server->git(clone, {"log", "--format=%H"});
  EXPECT_NE(history.out.find(version), std::string::npos) << "versionID is a commit the remote has";

  // Content that is not gzip+base64 fails the write, visibly.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, placement("wp-broken", nested, "not-gzip")).ok());
  ASSERT_TRUE(eventually([&] { return cond("wp-broken", "WriteSucceeded", "reason") == "WorkloadsFailedWrite"; }, 60s));
  EXPECT_EQ(cond("wp-broken", "Ready", "message"), "Failing");

  // Deleting a WorkPlacement removes its files, then it goes.
  ASSERT_TRUE(kubectl({"delete", "workplacement", "wp-nested", "wp-flat", "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return !kubectl({"get", "workplacement", "wp-nested"}).ok() && !kubectl({"get", "workplacement", "wp-flat"}).ok(); }, 60s));
  clone = server->clone("state");
  EXPECT_FALSE(std::filesystem::exists(clone + nested_file));
  EXPECT_FALSE(std::filesystem::exists(clone + "/worker-2/redis.yaml"));
  EXPECT_FALSE(std::filesystem::exists(clone + "/worker-2/.kratix/" + ns() + "-wp-flat.yaml"));
  kubectl({"delete", "workplacement", "wp-broken", "--wait=false"});
  cluster().kubectl({"delete", "destination", nested, flat, "--wait=false"});
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
}

TEST_F(PlatformControllers, WorksAreScheduledToMatchingDestinationsAndReachTheirStateStore) {
  auto server = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  const std::string store = "git-" + ns(), a = "dev-a-" + ns(), b = "dev-b-" + ns(), prod = "prod-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  auto labelled = [&](const std::string& name, const std::string& env, const std::string& path) {
    return destination(name, {.path = path, .store = store, .labels = {{"env", env}, {"suite", ns()}}});
  };
  apply({git_store(store, url), labelled(a, "dev", "a"), labelled(b, "dev", "b"), labelled(prod, "prod", "p")});
  const std::string content = statestore::encode_workload_content("kind: ConfigMap\n");
  auto work = [&](const std::string& name, const std::string& resource, const std::string& env) {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: Work\nmetadata: {name: " + name +
           ", labels: {kratix.io/pipeline-name: configure}}\nspec:\n  promiseName: redis\n  resourceName: \"" + resource +
           "\"\n  workloadGroups:\n  - id: 5058f1af8388633f609cadb75a75dc9d\n    directory: .\n"
           "    destinationSelectors: [{source: promise, matchLabels: {env: " + env + ", suite: " + ns() + "}}]\n"
           "    workloads: [{filepath: cm.yaml, content: \"" + content + "\"}]\n";
  };
  auto work_status = [&](const std::string& name, const std::string& path) {
    return kubectl({"get", "work", name, "-o", "jsonpath=" + path}).out;
  };

  // A dependency Work goes to every matching Destination.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work("deps", "", "dev")).ok());
  ASSERT_TRUE(eventually([&] { return work_status("deps", "{.status.workPlacementsCreated}") == "1"; }, 30s));
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "workplacements", "-l", "kratix.io/work=deps", "-o", "name"}).out ==
           "workplacement.platform.kratix.io/deps." + a + "-5058f\nworkplacement.platform.kratix.io/deps." + b + "-5058f\n";
  }, 30s)) << kubectl({"get", "workplacements", "-o", "name"}).out;
  EXPECT_EQ(work_status("deps", "{.status.conditions[?(@.type==\"Ready\")].message}"), "Ready");
  EXPECT_EQ(work_status("deps", "{.status.conditions[?(@.type==\"ScheduleSucceeded\")].message}"),
            "All workplacements scheduled successfully");
  ASSERT_TRUE(eventually([&] {
    const std::string clone = server->clone("state");
    return std::filesystem::exists(clone + "/a/dependencies/redis/configure/5058f/cm.yaml") &&
           std::filesystem::exists(clone + "/b/dependencies/redis/configure/5058f/cm.yaml");
  }, 60s)) << "the Work's files reach both Destinations' directories";
  EXPECT_FALSE(std::filesystem::exists(server->clone("state") + "/p/dependencies/redis")) << "not on the prod Destination";

  // A resource Work goes to exactly one, and says which.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work("res", "example", "dev")).ok());
  ASSERT_TRUE(eventually([&] { return !work_status("res", "{.status.placements[0].destination}").empty(); }, 30s));
  const std::string chosen = work_status("res", "{.status.placements[0].destination}");
  EXPECT_TRUE(chosen == a || chosen == b) << chosen;
  EXPECT_EQ(kubectl({"get", "workplacements", "-l", "kratix.io/work=res", "-o", "name"}).out,
            "workplacement.platform.kratix.io/res." + chosen + "-5058f\n");

  // Its Destination stops matching: the placement stays where it is, marked misplaced.
  ASSERT_TRUE(cluster().kubectl({"label", "destination", chosen, "env=staging", "--overwrite"}).ok());
  ASSERT_TRUE(eventually([&] { return work_status("res", "{.status.conditions[?(@.type==\"Ready\")].message}") == "Misplaced"; }, 30s));
  EXPECT_EQ(kubectl({"get", "workplacement", "res." + chosen + "-5058f", "-o", "jsonpath={.metadata.labels.kratix\\.io/misplaced}"}).out, "true");
  EXPECT_EQ(work_status("res", "{.status.placements[0].destination}"), chosen) << "never moved";
  // The WorkPlacement says so too, as Kratix's does, with a Warning; its files stay.
  const std::string wp = "res." + chosen + "-5058f";
  auto wp_condition = [&](const std::string& type) {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.status.conditions[?(@.type==\"" + type +
                                                   "\")]['status','reason','message']}"}).out;
  };
  ASSERT_TRUE(eventually([&] {
    return wp_condition("ScheduleSucceeded") == "False DestinationSelectorMismatch Target destination no longer matches destinationSelectors";
  }, 30s)) << wp_condition("ScheduleSucceeded");
  EXPECT_EQ(wp_condition("Ready"), "False Misplaced Misplaced");
  EXPECT_EQ(wp_condition("WriteSucceeded"), "True WorkloadsWrittenToStateStore Workloads written to State Store");
  EXPECT_TRUE(eventually([&] {
    return kubectl({"get", "events", "--field-selector", "involvedObject.name=" + wp + ",reason=DestinationSelectorMismatch", "-o",
                    "jsonpath={.items[*].message}"}).out ==
           "labels for destination: " + chosen + " no longer match the expected labels, marking this workplacement as misplaced";
  }, 30s));
  ASSERT_TRUE(cluster().kubectl({"label", "destination", chosen, "env=dev", "--overwrite"}).ok());
  ASSERT_TRUE(eventually([&] { return work_status("res", "{.status.conditions[?(@.type==\"Ready\")].message}") == "Ready"; }, 30s));
  EXPECT_EQ(kubectl({"get", "workplacement", wp, "-o", "jsonpath={.metadata.labels.kratix\\.io/misplaced}"}).out, "");
  ASSERT_TRUE(eventually([&] { return wp_condition("Ready") == "True WorkloadsWrittenToTargetDestination Ready"; }, 30s));
  EXPECT_EQ(wp_condition("ScheduleSucceeded"), "True ScheduledToDestination Scheduled to correct Destination");

  // Nowhere to go: Pending, with Kratix's message; a matching Destination arriving schedules it.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work("waiting", "other", "qa")).ok());
  ASSERT_TRUE(eventually([&] { return work_status("waiting", "{.status.conditions[?(@.type==\"Ready\")].message}") == "Pending"; }, 30s));
  EXPECT_EQ(work_status("waiting", "{.status.conditions[?(@.type==\"ScheduleSucceeded\")].message}"),
            "No matching destination found for workloadGroups: [5058f1af8388633f609cadb75a75dc9d]");
  apply({labelled("qa-" + ns(), "qa", "q")});
  ASSERT_TRUE(eventually([&] { return work_status("waiting", "{.status.placements[0].destination}") == "qa-" + ns(); }, 30s));

  // Deleting a Work deletes its WorkPlacements, whose files go with them.
  ASSERT_TRUE(kubectl({"delete", "work", "deps", "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return !kubectl({"get", "work", "deps"}).ok(); }, 60s));
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(server->clone("state") + "/a/dependencies/redis/configure/5058f/cm.yaml"); }, 60s));
  kubectl({"delete", "works", "--all", "--wait=false"});
}

TEST_F(PlatformControllers, BucketAndAggregatedYamlDestinationsThroughTheControllers) {
  auto git = testing::GitServer::start("kratix", "s3cr3t");
  ASSERT_TRUE(git.has_value()) << git.error();
  auto s3 = testing::S3Server::start("kratix");
  ASSERT_TRUE(s3.has_value()) << s3.error();
  const std::string url = git->create_repo("state");
  const std::string gstore = "git-" + ns(), bstore = "s3-" + ns(), agg = "agg-" + ns(), bucket = "bucket-" + ns();
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", testing::S3Server::kSecret}});
  apply({git_store(gstore, url), bucket_store(bstore, s3->endpoint()),
         destination(agg, {.path = "agg", .store = gstore, .mode = "aggregatedYAML"}),
         destination(bucket, {.path = "worker-s3", .store = bstore, .store_kind = "BucketStateStore"})});
  auto placement = [&](const std::string& name, const std::string& dest, const std::string& text) {
    return work_placement(name, dest, "configure", "app", name, "app.yaml", statestore::encode_workload_content(text));
  };
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, placement("b-second", agg, "kind: B") + "---\n" + placement("a-first", agg, "kind: A") +
                                            "---\n" + placement("in-bucket", bucket, "kind: InBucket\n")).ok());
  auto ready = [&](const std::string& wp) {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}).out == "True";
  };
  ASSERT_TRUE(eventually([&] { return ready("a-first") && ready("b-second") && ready("in-bucket"); }, 60s))
      << kubectl({"get", "workplacements", "-o", "yaml"}).out;

  // aggregatedYAML: one file, every placement of the Destination sorted by name.
  auto aggregated = [&] {
    std::ifstream in(git->clone("state") + "/agg/aggregated.yaml");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  ASSERT_TRUE(eventually([&] { return aggregated() == "kind: A\n---\nkind: B"; }, 30s)) << aggregated();

  // The bucket Destination: its canary files and the placement's object are in the bucket.
  auto reader = statestore::BucketWriter::open({.endpoint = s3->endpoint(), .bucket = "kratix", .insecure = true,
                                                .access_key_id = testing::S3Server::kAccessKey,
                                                .secret_access_key = testing::S3Server::kSecret});
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->read_file("worker-s3/resources/" + ns() + "/app/in-bucket/configure/5058f/app.yaml").value(),
            "kind: InBucket\n");
  EXPECT_TRUE((*reader)->read_file("worker-s3/dependencies/kratix-canary-namespace.yaml").value().has_value());

  // Removing one aggregated placement rewrites the file without it.
  ASSERT_TRUE(kubectl({"delete", "workplacement", "a-first", "in-bucket", "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return aggregated() == "kind: B"; }, 30s)) << aggregated();
  EXPECT_TRUE(eventually([&] {
    return !(*reader)->read_file("worker-s3/resources/" + ns() + "/app/in-bucket/configure/5058f/app.yaml").value().has_value();
  }, 30s));
  kubectl({"delete", "workplacement", "b-second", "--wait=false"});
  cluster().kubectl({"delete", "destination", agg, bucket, "--wait=false"});
  cluster().kubectl({"delete", "gitstatestore", gstore, "--wait=false"});
  cluster().kubectl({"delete", "bucketstatestore", bstore, "--wait=false"});
}

TEST_F(PlatformControllers, AResourceRequestSaysWhereItsWorksLanded) {
  std::optional<testing::GitServer> server;
  const std::string dest = "landing";  // a label value too: at most 63 characters
  ASSERT_NO_FATAL_FAILURE(git_destination(server, dest, "landing"));
  // The Promise's API, as the Promise controller would install it, and a request against it.
  const std::string api =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: landings.example.pave.dev}\n"
      "spec:\n  group: example.pave.dev\n  scope: Namespaced\n  names: {kind: Landing, plural: landings, singular: landing}\n"
      "  versions:\n  - name: v1\n    served: true\n    storage: true\n    subresources: {status: {}}\n"
      "    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n";
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, api).ok());
  ASSERT_TRUE(cluster().kubectl({"wait", "--for=condition=Established", "crd/landings.example.pave.dev", "--timeout=60s"}).ok());
  std::string indented;
  for (size_t start = 0, end; start < api.size(); start = end + 1) {
    end = api.find('\n', start);
    indented += "    " + api.substr(start, end - start) + "\n";
  }
  // Paused, so its request runs no workflow: the Works below stand in for pipelines the Promise does not
  // have, which a finished workflow would delete as stale.
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Promise\n"
      "metadata: {name: landing, labels: {kratix.io/paused: \"true\"}}\nspec:\n  api:\n" + indented).ok());
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, "apiVersion: example.pave.dev/v1\nkind: Landing\nmetadata: {name: mine}\nspec: {size: small}\n").ok());

  auto work = [&](const std::string& name, const std::string& pipeline) {
    return resource_work(name, "mine", "{kratix.io/pipeline-name: " + pipeline + ", kratix.io/promise-name: landing}", "landing");
  };
  auto landed = [&](const std::string& path) {
    return kubectl({"get", "landing", "mine", "-o", "jsonpath=" + path}).out;
  };
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work("mine-configure", "configure")).ok());
  ASSERT_TRUE(eventually([&] { return landed("{.status.kratix.placements[0].destination}") == dest; }, 30s))
      << kubectl({"get", "landing", "mine", "-o", "yaml"}).out;
  EXPECT_EQ(landed("{.status.kratix.placements[0].work}"), "mine-configure");
  EXPECT_EQ(landed("{.status.kratix.placements[0].workloadGroupId}"), "5058f1af8388633f609cadb75a75dc9d");
  EXPECT_EQ(landed("{.status.kratix.placements[0].misplaced}"), "false");
  EXPECT_EQ(landed("{.spec.size}"), "small") << "only the status is written";

  // A second pipeline's Work for the same request is listed beside the first; a Work that goes, goes.
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, work("mine-extra", "extra")).ok());
  ASSERT_TRUE(eventually([&] { return landed("{.status.kratix.placements[*].work}") == "mine-configure mine-extra"; }, 30s))
      << landed("{.status.kratix.placements}");
  ASSERT_TRUE(kubectl({"delete", "work", "mine-configure", "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return landed("{.status.kratix.placements[*].work}") == "mine-extra"; }, 60s))
      << landed("{.status.kratix.placements}");
  // Deleting the Promise (unpaused: a paused one's deletion waits) takes its request (and the request's
  // Works) and its CRD with it.
  ASSERT_TRUE(cluster().kubectl({"label", "promise", "landing", "kratix.io/paused-"}).ok());
  EXPECT_TRUE(cluster().kubectl({"delete", "promise", "landing", "--timeout=120s"}).ok())
      << cluster().kubectl({"get", "promise", "landing", "-o", "yaml"}).out;
  EXPECT_FALSE(kubectl({"get", "works", "-o", "name"}).out.find("mine-extra") != std::string::npos);
  EXPECT_FALSE(cluster().kubectl({"get", "crd", "landings.example.pave.dev"}).ok());
}

TEST_F(PlatformControllers, AWorkPlacementTheApiServerRefusesIsReportedOnTheWork) {
  // Destination names may be 253 characters; WorkPlacements carry theirs in a label, which may hold 63.
  const std::string dest = "d" + std::string(70, 'x');
  apply({destination(dest, {.path = "long", .store = "none", .labels = {{"suite", ns()}}})});
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, resource_work("refused", "r")).ok());
  auto condition = [&](const std::string& type, const std::string& field) {
    return kubectl({"get", "work", "refused", "-o", "jsonpath={.status.conditions[?(@.type==\"" + type + "\")]." + field + "}"}).out;
  };
  ASSERT_TRUE(eventually([&] { return condition("ScheduleSucceeded", "reason") == "FailedToScheduleWorkloads"; }, 30s))
      << kubectl({"get", "work", "refused", "-o", "yaml"}).out;
  const std::string message = condition("ScheduleSucceeded", "message");
  EXPECT_EQ(message.rfind("Failed to schedule workloadGroups: [5058f1af8388633f609cadb75a75dc9d: ", 0), 0u) << message;
  EXPECT_NE(message.find("must be no more than 63"), std::string::npos) << message;
  EXPECT_EQ(condition("Ready", "message"), "Pending");
  EXPECT_EQ(condition("Ready", "reason"), "FailedToScheduleWorkloads");
  EXPECT_EQ(kubectl({"get", "work", "refused", "-o", "jsonpath={.status.workPlacementsCreated}"}).out, "0");
  EXPECT_TRUE(eventually([&] {
    return kubectl({"get", "events", "--field-selector", "reason=FailedToScheduleWorkloads", "-o", "name"}).out != "";
  }, 30s)) << "and a Warning event";
  kubectl({"delete", "works", "--all", "--wait=false"});
  cluster().kubectl({"delete", "destination", dest, "--wait=false"});
}

TEST_F(PlatformControllers, ARestartedControllerDoesNotReportReadyDestinationsNotReady) {
  std::optional<testing::GitServer> server;
  const std::string dest = "restart-" + ns().substr(0, 40);
  ASSERT_NO_FATAL_FAILURE(git_destination(server, dest, "restart"));
  const std::string since = ready("destination", dest, "lastTransitionTime");

  stop_controllers();
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, resource_work("after-restart", "r")).ok());
  start_controllers();
  // The Work waiting at restart is written as soon as the store opens, not at the next 15-second retry.
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "workplacement", "after-restart." + dest + "-5058f", "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}).out == "True";
  }, 30s));
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 10s);
  EXPECT_EQ(ready("destination", dest, "status"), "True");
  EXPECT_EQ(ready("destination", dest, "lastTransitionTime"), since) << "the Destination never went NotReady";
  kubectl({"delete", "works", "--all", "--wait=false"});
}

// One WorkPlacement worker: a reconcile hands its write to the store's writer and returns, so while one
// batch is pushed the next WorkPlacements pile up behind it and go out together. (Were the worker held
// by the push, each WorkPlacement would be its own commit.)
class PlatformControllersOneWorker : public PlatformControllers {
 protected:
  ControllerOptions controller_options() const override { return {.workplacement_workers = 1}; }
};

TEST_F(PlatformControllersOneWorker, WorkPlacementsShareCommitsWhileTheWorkerIsFree) {
  std::optional<testing::GitServer> server;
  const std::string dest = "one-" + ns();
  ASSERT_NO_FATAL_FAILURE(git_destination(server, dest, "one"));
  auto commits = [&] {
    auto out = base::run({.argv = {"git", "-C", server->clone("state"), "rev-list", "--count", "HEAD"}});
    return std::stoi(out.out);
  };
  const int before = commits();

  constexpr int kWorks = 40;
  std::string works;
  for (int i = 0; i < kWorks; ++i) {
    works += "---\n" + resource_work("w" + std::to_string(i), "r" + std::to_string(i), "{kratix.io/pipeline-name: configure}");
  }
  // The Git server hangs while the Works are scheduled: the first push waits, the worker must not.
  server->pause(true);
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, works).ok());
  const bool all_placed = eventually([&] {
    auto out = kubectl({"get", "workplacements", "-o", "name"}).out;
    return std::count(out.begin(), out.end(), '\n') == kWorks;
  }, 30s);
  std::this_thread::sleep_for(2s);  // one worker, forty quick reconciles
  server->pause(false);
  ASSERT_TRUE(all_placed);
  ASSERT_TRUE(eventually([&] {
    auto out = kubectl({"get", "workplacements", "-o", "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"}).out;
    return std::count(out.begin(), out.end(), 'T') == kWorks;
  }, 60s));
  const std::string clone = server->clone("state");
  for (int i = 0; i < kWorks; ++i) {
    EXPECT_TRUE(std::filesystem::exists(clone + "/one/resources/" + ns() + "/redis/r" + std::to_string(i) + "/configure/5058f/cm.yaml")) << i;
  }
  EXPECT_LE(commits() - before, 3) << "40 WorkPlacements, one worker: the first push, then everything that piled up behind it";
  // Their finalizers came with them, from the scheduler.
  EXPECT_EQ(kubectl({"get", "workplacement", "w0." + dest + "-5058f", "-o", "jsonpath={.metadata.finalizers}"}).out,
            "[\"finalizers.workplacement.kratix.io/repo-cleanup\"]");
  kubectl({"delete", "works", "--all", "--wait=false"});
}

}  // namespace
}  // namespace pave::platform
