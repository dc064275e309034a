// Secrets never reach logs, Events or status. `pave controller` runs as its own process, logging at
// debug level, against state stores whose credentials are right, wrong, wrong and inline in the URL, an SSH
// key for a host it cannot verify, and a bucket key the S3 server refuses; Destinations on each, and a Work
// placed on all of them so every writer tries to write. Then its log, every Event in the cluster and the
// statuses of Pave's objects are searched for each secret value, plain and base64-encoded.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "base/encoding.h"
#include "statestore/layout.h"
#include "support/cluster_environment.h"
#include "support/git_server.h"
#include "support/s3_server.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

std::string random_secret(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << prefix << std::hex << rng() << rng();
  return s.str();
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SecretHygiene : public ClusterTest {
 protected:
  void TearDown() override {
    if (pave_) pave_->stop(20s);
    cluster().kubectl({"delete", "works,workplacements", "-n", ns(), "--all", "--wait=false"});
    cluster().kubectl({"delete", "destinations,gitstatestores,bucketstatestores", "-l", "suite=" + ns(), "--wait=false"});
    ClusterTest::TearDown();
  }
  void secret(const std::string& name, const std::map<std::string, std::string>& values) {
    std::vector<std::string> args{"create", "secret", "generic", name};
    for (const auto& [k, v] : values) args.push_back("--from-literal=" + k + "=" + v);
    ASSERT_TRUE(kubectl(args).ok());
  }
  void store_and_destination(const std::string& name, const std::string& store_yaml) {
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, store_yaml + "\n---\napiVersion: platform.kratix.io/v1alpha1\n"
        "kind: Destination\nmetadata: {name: " + name + ", labels: {suite: " + ns() + "}}\n"
        "spec: {path: " + name + ", stateStoreRef: {kind: " + (store_yaml.find("BucketStateStore") != std::string::npos
            ? "BucketStateStore" : "GitStateStore") + ", name: " + name + "}}\n").ok());
  }
  std::string git_store(const std::string& name, const std::string& url, const std::string& secret,
                        const std::string& method = "basicAuth") {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\nmetadata: {name: " + name + ", labels: {suite: " +
           ns() + "}}\nspec: {url: \"" + url + "\", authMethod: " + method + ", secretRef: {name: " + secret +
           ", namespace: " + ns() + "}}";
  }

  std::optional<base::Child> pave_;
};

TEST_F(SecretHygiene, NoSecretValueReachesLogsEventsOrStatus) {
  ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
  const std::string good = random_secret("good-pw-"), wrong = random_secret("wrong-pw-"),
                    inline_pw = random_secret("inline-pw-"), bucket_wrong = random_secret("bucket-sk-");
  auto git = GitServer::start("kratix", good);
  ASSERT_TRUE(git.has_value()) << git.error();
  const std::string url = git->create_repo("state");
  auto s3 = S3Server::start("kratix");
  ASSERT_TRUE(s3.has_value()) << s3.error();
  const std::string ssh_key = git->client_key("ed25519");
  ASSERT_NE(ssh_key.find("PRIVATE KEY"), std::string::npos);

  secret("good", {{"username", "kratix"}, {"password", good}});
  secret("wrong", {{"username", "kratix"}, {"password", wrong}});
  secret("ssh", {{"sshPrivateKey", ssh_key}, {"knownHosts", "example.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE"}});
  secret("bucket", {{"accessKeyID", S3Server::kAccessKey}, {"secretAccessKey", bucket_wrong}});
  const std::string with_inline = "http://kratix:" + inline_pw + "@" + url.substr(url.find("://") + 3);
  const std::string d = ns();
  ASSERT_NO_FATAL_FAILURE(store_and_destination(d + "-good", git_store(d + "-good", url, "good")));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(d + "-wrong", git_store(d + "-wrong", url, "wrong")));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(d + "-inline", git_store(d + "-inline", with_inline, "wrong")));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(d + "-ssh", git_store(d + "-ssh", git->ssh_url("state"), "ssh", "ssh")));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(d + "-bucket",
      "apiVersion: platform.kratix.io/v1alpha1\nkind: BucketStateStore\nmetadata: {name: " + d + "-bucket, labels: {suite: " +
      ns() + "}}\nspec: {endpoint: \"" + s3->endpoint() + "\", bucketName: kratix, insecure: true, secretRef: {name: bucket, "
      "namespace: " + ns() + "}}"));
  const std::string content = statestore::encode_workload_content("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  ASSERT_TRUE(kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Work\nmetadata: {name: everywhere}\n"
      "spec:\n  promiseName: hygiene\n  workloadGroups:\n  - id: 5058f1af8388633f609cadb75a75dc9d\n    directory: .\n"
      "    destinationSelectors: [{source: promise, matchLabels: {suite: " + ns() + "}}]\n"
      "    workloads: [{filepath: cm.yaml, content: \"" + content + "\"}]\n").ok());

  base::TempDir dir = base::TempDir::create("secret-hygiene").value();
  const std::string log = (dir.path() / "pave.log").string();
  auto pave = base::Child::spawn({PAVE_BINARY, "controller", "--kubeconfig", cluster().kubeconfig, "--cache-dir",
                                  (dir.path() / "cache").string(), "--health-port", "-1", "--log-level", "debug"},
                                 {}, log);
  ASSERT_TRUE(pave.has_value()) << pave.error();
  pave_.emplace(std::move(*pave));
  auto ready_of = [&](const std::string& kind, const std::string& name) {
    return cluster().kubectl({"get", kind, name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}).out;
  };
  // Every store has been tried and has said so; the good one has written the Work's files.
  ASSERT_TRUE(eventually([&] {
    return ready_of("gitstatestore", d + "-good") == "True" && ready_of("gitstatestore", d + "-wrong") == "False" &&
           ready_of("gitstatestore", d + "-inline") == "False" && ready_of("gitstatestore", d + "-ssh") == "False" &&
           ready_of("bucketstatestore", d + "-bucket") == "False";
  }, 90s)) << cluster().kubectl({"get", "gitstatestores,bucketstatestores", "-o", "yaml"}).out;
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "workplacements", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"WriteSucceeded\")].status}"})
               .out.find("True") != std::string::npos;
  }, 60s)) << kubectl({"get", "workplacements", "-o", "yaml"}).out;
  // Each failing store has said so in a Warning Event too (Events are written in the background).
  ASSERT_TRUE(eventually([&] {
    const std::string warnings = cluster().kubectl({"get", "events", "-A", "--field-selector", "type=Warning", "-o",
                                                    "jsonpath={.items[*].involvedObject.name}"}).out;
    for (const char* failing : {"-wrong", "-inline", "-ssh", "-bucket"}) {
      if (warnings.find(d + failing) == std::string::npos) return false;
    }
    return true;
  }, 60s)) << cluster().kubectl({"get", "events", "-A"}).out;
  pave_->stop(20s);
  pave_.reset();

  const std::string logged = read(log);
  ASSERT_NE(logged.find("state store not ready"), std::string::npos) << "the failures were logged:\n" << logged.substr(0, 2000);
  ASSERT_NE(logged.find(d + "-inline"), std::string::npos) << "the inline URL's store failed, and said so\n" << logged;
  const std::string events = cluster().kubectl({"get", "events", "-A", "-o", "json"}).out;
  // Statuses: a spec holds what its user wrote (the inline URL's password is there by the user's hand).
  const std::string objects =
      cluster().kubectl({"get", "gitstatestores,bucketstatestores,destinations", "-o", "jsonpath={.items[*].status}"}).out +
      kubectl({"get", "works,workplacements", "-o", "jsonpath={.items[*].status}"}).out;
  ASSERT_NE(objects.find("Ready"), std::string::npos) << objects;
  std::istringstream key_lines(ssh_key);
  std::vector<std::string> secrets{good, wrong, inline_pw, bucket_wrong, base::base64_encode(good),
                                   base::base64_encode(wrong), base::base64_encode(bucket_wrong)};
  for (std::string line; std::getline(key_lines, line);) {
    if (line.size() > 20 && line.find("PRIVATE KEY") == std::string::npos) secrets.push_back(line);
  }
  for (const auto& s : secrets) {
    EXPECT_EQ(logged.find(s), std::string::npos) << "the controller's log shows " << s;
    EXPECT_EQ(events.find(s), std::string::npos) << "an Event shows " << s;
    EXPECT_EQ(objects.find(s), std::string::npos) << "an object shows " << s;
  }
}

}  // namespace
}  // namespace pave::testing
