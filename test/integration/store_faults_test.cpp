// State-store faults under Pave's controllers (issue 20), against a real API server, git servers (nginx +
// git-http-backend, OpenSSH) and s3rver, with faults injected between Pave and them by TcpProxy or made
// on the remote by "someone else". Each fault must be recovered from without restarting anything, and no
// WorkPlacement may say Ready while the remote lacks its file.
//
// The outage lasts PAVE_STORE_OUTAGE_SECONDS (60 unless set, the minute).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "statestore/bucket_writer.h"
#include "statestore/s3_client.h"
#include "statestore/git_socket.h"
#include "statestore/layout.h"
#include "support/platform_fixture.h"
#include "support/tcp_proxy.h"

namespace pave::platform {
namespace {

using testing::TcpProxy;

// The port in scheme://host:PORT/...
int port_of(const std::string& url) {
  const size_t host = url.find("://") + 3;
  const size_t colon = url.find(':', host), slash = url.find('/', host);
  return std::stoi(url.substr(colon + 1, slash - colon - 1));
}

// url with its port replaced.
std::string with_port(const std::string& url, int port) {
  const size_t host = url.find("://") + 3;
  const size_t colon = url.find(':', host), slash = url.find('/', host);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

// The canary a Destination at path "drift" keeps in its store.
constexpr const char* kCanary = "drift/resources/kratix-canary-configmap.yaml";

class StoreFaults : public PlatformControllers {
 protected:
  // Stores are read every second, so drift is seen at once rather than within a minute.
  ControllerOptions controller_options() const override {
    ControllerOptions o;
    o.store_refresh_seconds = 1;
    return o;
  }
  void TearDown() override {
    kubectl({"delete", "workplacements", "--all", "--wait=false"});
    PlatformControllers::TearDown();
    statestore::set_git_network_timeout(std::chrono::seconds(60));
  }

  std::optional<testing::GitServer> start_git() {
    auto started = testing::GitServer::start("kratix", "s3cr3t");
    EXPECT_TRUE(started.has_value()) << started.error();
    if (!started) return std::nullopt;
    started->create_repo("state");
    return std::move(*started);
  }
  void store_and_destination(const kube::Json& store, const std::string& dest, const std::string& path) {
    const std::string kind = store.value("kind", "");
    apply({store, destination(dest, {.path = path, .store = kube::meta::name(store), .store_kind = kind})});
    ASSERT_TRUE(eventually([&] { return ready("destination", dest, "status") == "True"; }, 30s))
        << dest << ": " << ready("destination", dest, "message") << " / " << kind << ": "
        << ready(kind, kube::meta::name(store), "message");
  }

  // A WorkPlacement of one file on dest; its file is file_of(path, resource).
  void place(const std::string& wp, const std::string& dest, const std::string& resource) {
    auto applied = kubectl({"apply", "-f", "-"}, work_placement(wp, dest, "configure", "redis", resource, "cm.yaml",
                                                                statestore::encode_workload_content("kind: ConfigMap\n")));
    ASSERT_TRUE(applied.ok()) << applied.err;
  }
  std::string file_of(const std::string& path, const std::string& resource) const {
    return path + "/resources/" + ns() + "/redis/" + resource + "/configure/5058f/cm.yaml";
  }
  // Places n WorkPlacements named prefix0.. on dest in one apply, resource named as the WorkPlacement.
  void place_many(const std::string& prefix, int n, const std::string& dest) {
    std::string docs;
    for (int i = 0; i < n; ++i) {
      const std::string name = prefix + std::to_string(i);
      docs += "---\n" + work_placement(name, dest, "configure", "redis", name, "cm.yaml",
                                       statestore::encode_workload_content("kind: ConfigMap\n"));
    }
    auto applied = kubectl({"apply", "-f", "-"}, docs);
    ASSERT_TRUE(applied.ok()) << applied.err;
  }
  // The status of condition type of every WorkPlacement whose name starts with prefix, by name ("" when
  // it has none), read in one request.
  std::map<std::string, std::string> conditions(const std::string& prefix, const std::string& type) {
    std::map<std::string, std::string> out;
    auto listed = kubectl({"get", "workplacements", "-o", "json"});
    if (!listed.ok()) return out;
    for (const auto& wp : kube::Json::parse(listed.out).value("items", kube::Json::array())) {
      const std::string name = wp["metadata"].value("name", "");
      if (!name.starts_with(prefix)) continue;
      std::string& status = out[name];
      for (const auto& c : kube::child(kube::child(wp, "status"), "conditions")) {
        if (c.value("type", "") == type) status = c.value("status", "");
      }
    }
    return out;
  }
  static int count_of(const std::map<std::string, std::string>& statuses, const std::string& status) {
    return static_cast<int>(std::count_if(statuses.begin(), statuses.end(), [&](const auto& s) { return s.second == status; }));
  }
  std::string condition(const std::string& wp, const std::string& type, const std::string& field = "status") {
    return kubectl({"get", "workplacement", wp, "-o", "jsonpath={.status.conditions[?(@.type==\"" + type + "\")]." + field + "}"}).out;
  }

  // The files on the remote's main branch, read from its bare repository.
  static std::set<std::string> git_files(const testing::GitServer& server) {
    const std::string bare = server.repo_path("state");
    auto listed = server.git(bare, {"--git-dir=" + bare, "ls-tree", "-r", "--name-only", "main"});
    std::set<std::string> files;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) files.insert(line);
    return files;
  }
  static std::string git_show(const testing::GitServer& server, const std::string& path) {
    const std::string bare = server.repo_path("state");
    return server.git(bare, {"--git-dir=" + bare, "show", "main:" + path}).out;
  }
  // Pushes a commit made by fn in a fresh clone, as someone other than Pave; force for a rewritten branch.
  static void push_as_someone_else(const testing::GitServer& server, const std::function<void(const std::string&)>& fn,
                                   bool force = false) {
    const std::string dir = server.clone("state");
    fn(dir);
    ASSERT_TRUE(server.git(dir, {"add", "-A"}).ok());
    ASSERT_TRUE(server.git(dir, {"commit", "-qm", "someone else"}).ok());
    std::vector<std::string> push = {"push", "-q", "origin", "HEAD:main"};
    if (force) push.insert(push.begin() + 1, "-f");
    auto pushed = server.git(dir, push);
    ASSERT_TRUE(pushed.ok()) << pushed.err;
  }
};

TEST_F(StoreFaults, FilesChangedDeletedOrRewrittenOnTheGitRemoteAreWrittenBackWithoutARestart) {
  auto server = start_git();
  ASSERT_TRUE(server);
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  const std::string dest = "drift-" + ns();
  ASSERT_NO_FATAL_FAILURE(store_and_destination(git_store("git-" + ns(), server->url("state")), dest, "drift"));
  for (int i = 0; i < 10; ++i) ASSERT_NO_FATAL_FAILURE(place("wp-" + std::to_string(i), dest, "r" + std::to_string(i)));
  auto all_there = [&] {
    const auto files = git_files(*server);
    for (int i = 0; i < 10; ++i) {
      if (!files.contains(file_of("drift", "r" + std::to_string(i)))) return false;
    }
    return git_show(*server, file_of("drift", "r0")) == "kind: ConfigMap\n";
  };
  ASSERT_TRUE(eventually([&] { return all_there() && condition("wp-9", "Ready") == "True"; }, 30s));

  // By hand: one file edited, one deleted, one file of someone else's added beside them.
  ASSERT_NO_FATAL_FAILURE(push_as_someone_else(*server, [&](const std::string& dir) {
    std::ofstream(dir + "/" + file_of("drift", "r0")) << "kind: Secret\n";
    std::filesystem::remove(dir + "/" + file_of("drift", "r1"));
    std::filesystem::remove(dir + "/" + kCanary);
    std::ofstream(dir + "/drift/NOTES") << "theirs\n";
  }));
  EXPECT_TRUE(eventually([&] { return all_there() && git_files(*server).contains(kCanary); }, 15s))
      << "edited and deleted files, the Destination's canary too, are written back";
  EXPECT_TRUE(git_files(*server).contains("drift/NOTES")) << "someone else's file is left alone";

  // The branch replaced by an unrelated history holding none of Pave's files.
  ASSERT_NO_FATAL_FAILURE(push_as_someone_else(*server, [&](const std::string& dir) {
    ASSERT_TRUE(server->git(dir, {"checkout", "-q", "--orphan", "rewritten"}).ok());
    ASSERT_TRUE(server->git(dir, {"rm", "-rqf", "."}).ok());
    std::ofstream(dir + "/README") << "a new start\n";
  }, /*force=*/true));
  EXPECT_TRUE(eventually([&] { return all_there(); }, 15s)) << "every placement's file is back on the new history";
  EXPECT_TRUE(git_files(*server).contains("README"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(condition("wp-" + std::to_string(i), "Ready"), "True");
}

TEST_F(StoreFaults, ObjectsChangedOrDeletedInTheBucketAreWrittenBackWithoutARestart) {
  auto s3 = testing::S3Server::start("kratix");
  ASSERT_TRUE(s3.has_value()) << s3.error();
  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", testing::S3Server::kSecret}});
  const std::string dest = "drift-s3-" + ns();
  ASSERT_NO_FATAL_FAILURE(store_and_destination(bucket_store("s3-" + ns(), s3->endpoint()), dest, "drift"));
  statestore::S3Client someone({.endpoint = s3->endpoint(), .bucket = "kratix", .insecure = true,
                                .access_key_id = testing::S3Server::kAccessKey,
                                .secret_access_key = testing::S3Server::kSecret});
  for (int i = 0; i < 10; ++i) ASSERT_NO_FATAL_FAILURE(place("wp-" + std::to_string(i), dest, "r" + std::to_string(i)));
  auto all_there = [&] {
    for (int i = 0; i < 10; ++i) {
      auto content = someone.get(file_of("drift", "r" + std::to_string(i)));
      if (!content || *content != std::optional<std::string>("kind: ConfigMap\n")) return false;
    }
    return true;
  };
  ASSERT_TRUE(eventually([&] { return all_there() && condition("wp-9", "Ready") == "True"; }, 30s));

  // By hand: one object changed, one deleted, the canary deleted, one of someone else's added.
  ASSERT_TRUE(someone.put(file_of("drift", "r0"), "kind: Secret\n").has_value());
  ASSERT_TRUE(someone.remove(file_of("drift", "r1")).has_value());
  ASSERT_TRUE(someone.remove(kCanary).has_value());
  ASSERT_TRUE(someone.put("drift/NOTES", "theirs\n").has_value());
  auto canary_there = [&] {
    auto content = someone.get(kCanary);
    return content && content->has_value();
  };
  EXPECT_TRUE(eventually([&] { return all_there() && canary_there(); }, 15s))
      << "changed and deleted objects, the Destination's canary too, are written back";
  EXPECT_EQ(someone.get("drift/NOTES").value(), std::optional<std::string>("theirs\n")) << "someone else's object is left alone";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(condition("wp-" + std::to_string(i), "Ready"), "True");
}

TEST_F(StoreFaults, GitAndS3DownForAMinuteLoseNothingAndNothingIsReadyEarly) {
  const char* env = std::getenv("PAVE_STORE_OUTAGE_SECONDS");
  const auto outage = std::chrono::seconds(env ? std::atoi(env) : 60);
  auto git = start_git();
  ASSERT_TRUE(git);
  auto s3 = testing::S3Server::start("kratix");
  ASSERT_TRUE(s3.has_value()) << s3.error();
  TcpProxy git_proxy("127.0.0.1", port_of(git->url("state")));
  TcpProxy s3_proxy("127.0.0.1", port_of("http://" + s3->endpoint() + "/"));
  secret("git-creds", {{"username", "kratix"}, {"password", "s3cr3t"}});
  secret("s3-creds", {{"accessKeyID", testing::S3Server::kAccessKey}, {"secretAccessKey", testing::S3Server::kSecret}});
  const std::string git_dest = "down-git-" + ns(), s3_dest = "down-s3-" + ns();
  ASSERT_NO_FATAL_FAILURE(store_and_destination(git_store("git-" + ns(), with_port(git->url("state"), git_proxy.port())), git_dest, "git"));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(bucket_store("s3-" + ns(), "127.0.0.1:" + std::to_string(s3_proxy.port())), s3_dest, "s3"));
  auto bucket = statestore::BucketWriter::open({.endpoint = s3->endpoint(), .bucket = "kratix", .insecure = true,
                                                .access_key_id = testing::S3Server::kAccessKey,
                                                .secret_access_key = testing::S3Server::kSecret});
  ASSERT_TRUE(bucket.has_value()) << bucket.error().to_string();
  auto in_bucket = [&](const std::string& path) {
    auto read = (*bucket)->read_file(path);
    return read.has_value() && read->has_value();
  };
  ASSERT_NO_FATAL_FAILURE(place("before-git", git_dest, "b-git"));
  ASSERT_NO_FATAL_FAILURE(place("before-s3", s3_dest, "b-s3"));
  ASSERT_TRUE(eventually([&] { return condition("before-git", "Ready") == "True" && condition("before-s3", "Ready") == "True"; }, 30s));
  // Load on the bucket store: kLoad WorkPlacements written before the outage, as many more made during it.
  constexpr int kLoad = 100;
  ASSERT_NO_FATAL_FAILURE(place_many("load-before-", kLoad, s3_dest));
  ASSERT_TRUE(eventually([&] { return count_of(conditions("load-before-", "Ready"), "True") == kLoad; }, 60s));

  // Both servers gone: connections refused from now on, open ones cut.
  git_proxy.set_blocked(true);
  s3_proxy.set_blocked(true);
  git_proxy.drop_all();
  s3_proxy.drop_all();
  const auto down_since = std::chrono::steady_clock::now();
  const std::vector<std::string> during = {"during-0", "during-1", "during-2"};
  for (const auto& wp : during) {
    ASSERT_NO_FATAL_FAILURE(place(wp + "-git", git_dest, wp + "-git"));
    ASSERT_NO_FATAL_FAILURE(place(wp + "-s3", s3_dest, wp + "-s3"));
  }
  ASSERT_NO_FATAL_FAILURE(place_many("load-during-", kLoad, s3_dest));
  std::set<std::string> failures_reported;
  while (std::chrono::steady_clock::now() - down_since < outage) {
    for (const auto& wp : during) {
      for (const char* kind : {"-git", "-s3"}) {
        ASSERT_NE(condition(wp + kind, "Ready"), "True") << wp + kind << " is Ready while its store is down";
        if (condition(wp + kind, "WriteSucceeded") == "False") failures_reported.insert(wp + kind);
      }
    }
    const auto ready_now = conditions("load-during-", "Ready");
    ASSERT_EQ(ready_now.size(), static_cast<size_t>(kLoad)) << "every WorkPlacement read";
    ASSERT_EQ(count_of(ready_now, "True"), 0) << "Ready while the bucket is down";
    for (const auto& [wp, status] : conditions("load-during-", "WriteSucceeded")) {
      if (status == "False") failures_reported.insert(wp);
    }
    std::this_thread::sleep_for(2s);  // a sample every 2 s for the outage's fixed length: the scenario
  }
  EXPECT_EQ(failures_reported.size(), 2 * during.size() + kLoad) << "each says its write failed";
  EXPECT_EQ(condition("before-git", "Ready"), "True") << "what was written stays written";
  EXPECT_EQ(count_of(conditions("load-before-", "Ready"), "True"), kLoad) << "what was written stays written";

  git_proxy.set_blocked(false);
  s3_proxy.set_blocked(false);
  const auto up_since = std::chrono::steady_clock::now();
  for (const auto& wp : during) {
    for (const char* kind : {"-git", "-s3"}) {
      EXPECT_TRUE(eventually([&] { return condition(wp + kind, "Ready") == "True"; }, 45s)) << wp + kind;
    }
    EXPECT_TRUE(git_files(*git).contains(file_of("git", wp + "-git"))) << wp;
    EXPECT_TRUE(in_bucket(file_of("s3", wp + "-s3"))) << wp;
  }
  EXPECT_TRUE(eventually([&] { return count_of(conditions("load-during-", "Ready"), "True") == kLoad; }, 90s));
  const auto landed = std::chrono::steady_clock::now();
  // The bucket holds exactly the placements' files, each once with its content.
  const std::string canary = "s3/resources/kratix-canary-configmap.yaml";  // the Destination's own
  std::set<std::string> expected = {canary, file_of("s3", "b-s3")};
  for (const auto& wp : during) expected.insert(file_of("s3", wp + "-s3"));
  for (const char* phase : {"load-before-", "load-during-"}) {
    for (int i = 0; i < kLoad; ++i) expected.insert(file_of("s3", phase + std::to_string(i)));
  }
  auto listed = (*bucket)->list("s3/resources/");
  ASSERT_TRUE(listed.has_value()) << listed.error().to_string();
  std::set<std::string> keys;
  for (const auto& o : *listed) {
    keys.insert(o.key);
    if (o.key == canary) continue;
    EXPECT_EQ((*bucket)->read_file(o.key).value(), std::optional<std::string>("kind: ConfigMap\n")) << o.key;
  }
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(listed->size(), expected.size());
  std::cout << "store_faults: " << outage.count() << " s outage, " << kLoad + during.size()
            << " WorkPlacements made on the bucket store during it; every write landed "
            << std::chrono::duration_cast<std::chrono::seconds>(landed - up_since).count()
            << " s after the servers came back\n";
}

TEST_F(StoreFaults, GitServersThatNeverAnswerOrAnswerSlowlyHoldNothingUp) {
  statestore::set_git_network_timeout(3s);
  auto server = start_git();
  ASSERT_TRUE(server);
  TcpProxy http("127.0.0.1", port_of(server->url("state")));
  TcpProxy https("127.0.0.1", port_of(server->https_url("state")));
  TcpProxy ssh("127.0.0.1", server->ssh_port());
  secret("git-http", {{"username", "kratix"}, {"password", "s3cr3t"}});
  secret("git-https", {{"username", "kratix"}, {"password", "s3cr3t"}, {"ca.crt", server->ca_pem()}});
  // The server's host key as seen at the proxy's address, where the store connects.
  const std::string known =
      base::run({.argv = {"ssh-keyscan", "-p", std::to_string(ssh.port()), "-t", "ed25519", "127.0.0.1"}}).out;
  ASSERT_FALSE(known.empty());
  secret("git-ssh", {{"sshPrivateKey", server->client_key("ed25519")}, {"knownHosts", known}});
  struct Route {
    std::string name;
    TcpProxy& proxy;
  };
  const std::vector<Route> routes = {{"http", http}, {"https", https}, {"ssh", ssh}};
  ASSERT_NO_FATAL_FAILURE(store_and_destination(git_store("http-" + ns(), with_port(server->url("state"), http.port()), "git-http"),
                                                "silent-http-" + ns(), "http"));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(git_store("https-" + ns(), with_port(server->https_url("state"), https.port()), "git-https"),
                                                "silent-https-" + ns(), "https"));
  ASSERT_NO_FATAL_FAILURE(store_and_destination(
      git_store("ssh-" + ns(), with_port(server->ssh_url("state"), ssh.port()), "git-ssh", ns(), "ssh"), "silent-ssh-" + ns(), "ssh"));

  // Accepting connections and answering nothing, for several network timeouts.
  for (const auto& r : routes) r.proxy.set_paused(true);
  for (const auto& r : routes) ASSERT_NO_FATAL_FAILURE(place("silent-" + r.name, "silent-" + r.name + "-" + ns(), "s-" + r.name));
  const auto silent_since = std::chrono::steady_clock::now();
  std::set<std::string> timed_out;
  while (std::chrono::steady_clock::now() - silent_since < 20s && timed_out.size() < routes.size()) {
    for (const auto& r : routes) {
      ASSERT_NE(condition("silent-" + r.name, "Ready"), "True") << r.name;
      if (condition("silent-" + r.name, "WriteSucceeded") == "False") timed_out.insert(r.name);
    }
    std::this_thread::sleep_for(1s);  // sampled while the servers stay silent: the scenario, not a guess
  }
  EXPECT_EQ(timed_out.size(), routes.size()) << "every silent server's write gave up and said so";
  for (const auto& r : routes) r.proxy.set_paused(false);
  for (const auto& r : routes) {
    EXPECT_TRUE(eventually([&] { return condition("silent-" + r.name, "Ready") == "True"; }, 45s)) << r.name;
    EXPECT_TRUE(git_files(*server).contains(file_of(r.name, "s-" + r.name))) << r.name;
  }

  // A slow server (every 4 KiB waits 100 ms each way): writes take longer and all land; none is Ready
  // before its file is on the remote.
  http.set_delay(100ms);
  for (int i = 0; i < 10; ++i) ASSERT_NO_FATAL_FAILURE(place("slow-" + std::to_string(i), "silent-http-" + ns(), "slow" + std::to_string(i)));
  int ready_seen = 0;
  ASSERT_TRUE(eventually([&] {
    ready_seen = 0;
    for (int i = 0; i < 10; ++i) {
      if (condition("slow-" + std::to_string(i), "Ready") != "True") continue;
      ++ready_seen;
      EXPECT_TRUE(git_files(*server).contains(file_of("http", "slow" + std::to_string(i)))) << "slow-" << i << " Ready early";
    }
    return ready_seen == 10;
  }, 60s)) << ready_seen << " of 10 Ready";
}

}  // namespace
}  // namespace pave::platform
