// PromiseReleases on the real control plane (kratix-spec.md 1.2, 6.1; Kratix's system test
// promise_release_test): Promises served over http by a loopback server, one behind an Authorization
// header from a Secret, are installed with the release as their controller and reconciled by Pave; a
// deleted Promise comes back; a new spec.version fetches again; an empty version is filled in; refusals
// (wrong credentials, a document that is not one Promise, a version that does not match) are reported on
// the release's status and as Warning Events; deleting a release deletes its Promise.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>

#include "kube/yaml.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

constexpr const char* kToken = "Bearer your-secret-token";

// Serves documents by path over http on loopback; paths under /secure/ answer 401 without kToken.
class PromiseHost {
 public:
  PromiseHost() {
    server_.Get(R"(/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++requests_;
      if (req.path.starts_with("/secure/") && req.get_header_value("Authorization") != kToken) {
        res.status = 401;
        res.set_content("Unauthorized", "text/plain");
        return;
      }
      auto it = documents_.find(req.path);
      if (it == documents_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/yaml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~PromiseHost() {
    server_.stop();
    thread_.join();
  }
  void serve(const std::string& path, const std::string& document) {
    std::lock_guard lock(mutex_);
    documents_[path] = document;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, std::string> documents_;
  int requests_ = 0;
};

class PromiseReleasesTest : public WorkflowFixture {
 protected:
  void TearDown() override {
    // Releases first: a release would install its Promise again once the fixture deletes it.
    auto gone = cluster().kubectl({"delete", "promisereleases", "--all", "--timeout=180s"});
    EXPECT_TRUE(gone.ok()) << gone.err;
    WorkflowFixture::TearDown();
  }

  // A Promise without workflows, of API kind, at a version (no label when version is empty).
  static std::string served(const std::string& name, const std::string& kind, const std::string& version) {
    Json p = promise(name, kind, Json::array());
    if (!version.empty()) p["metadata"]["labels"]["kratix.io/promise-version"] = version;
    p["metadata"]["annotations"]["served-by"] = "promise-host";
    return kube::to_yaml(p);
  }
  void release(const std::string& name, const std::string& version, const std::string& url, const Json& secret_ref = nullptr) {
    Json r = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "PromiseRelease"}, {"metadata", {{"name", name}}},
              {"spec", {{"version", version}, {"sourceRef", {{"type", "http"}, {"url", url}}}}}};
    if (!secret_ref.is_null()) r["spec"]["sourceRef"]["secretRef"] = secret_ref;
    auto applied = cluster().kubectl({"apply", "-f", "-"}, r.dump());
    ASSERT_TRUE(applied.ok()) << applied.err;
  }
  std::string release_field(const std::string& name, const std::string& path) { return get("promiserelease", name, path); }
  std::string installed(const std::string& name) {
    return release_field(name, "{.status.status}|" + condition("Installed", "status") + "|" + condition("Installed", "reason") + "|" +
                                   condition("Installed", "message"));
  }
  bool exists(const std::string& kind, const std::string& name) {
    return cluster().kubectl({"get", kind, name}).ok();
  }

  PromiseHost host_;
};

TEST_F(PromiseReleasesTest, PlainAndProtectedEndpointsInstallPromisesThatGoWithTheirRelease) {
  track("insecurepro");
  track("securepro");
  host_.serve("/promise", served("insecurepro", "Insecure", "v1.0.0"));
  host_.serve("/secure/promise", served("securepro", "Secure", "v1.0.0"));
  ASSERT_TRUE(cluster().kubectl({"create", "secret", "generic", "kratix-promise-release-authorization-header", "-n",
                                 "kratix-platform-system", std::string("--from-literal=authorizationHeader=") + kToken}).ok());
  release("insecure", "v1.0.0", host_.url("/promise"));
  release("secure", "v1.0.0", host_.url("/secure/promise"),
          {{"name", "kratix-promise-release-authorization-header"}, {"namespace", "kratix-platform-system"}});

  for (const auto& [r, p] : {std::pair{"insecure", "insecurepro"}, std::pair{"secure", "securepro"}}) {
    ASSERT_TRUE(eventually([&] { return installed(r) == "Installed|True|InstalledSuccessfully|Installed successfully"; }, kLong, kPoll))
        << r << ": " << installed(r) << "\n" << events_of(r);
    EXPECT_EQ(release_field(r, condition("Installed", "observedGeneration")), release_field(r, "{.metadata.generation}"));
    EXPECT_EQ(release_field(r, "{.metadata.finalizers}"), R"(["kratix.io/promise-cleanup"])");
    // The Promise as served, owned and labelled by its release, and reconciled by Pave.
    EXPECT_EQ(promise_field(p, "{.metadata.labels.kratix\\.io/promise-release-name} {.metadata.labels.kratix\\.io/promise-version} "
                               "{.metadata.annotations.served-by}"),
              std::string(r) + " v1.0.0 promise-host");
    EXPECT_EQ(promise_field(p, "{.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} "
                               "{.metadata.ownerReferences[0].controller} {.metadata.ownerReferences[0].blockOwnerDeletion}"),
              "PromiseRelease " + std::string(r) + " true true");
    ASSERT_TRUE(eventually([&] { return promise_field(p, "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
    EXPECT_TRUE(has_event(r, "Normal", std::string("Installed Installed Promise \"") + p + "\" at version v1.0.0")) << events_of(r);
  }

  // A Promise deleted by hand is installed again; the file at the URL is not fetched while the Promise is there.
  const int fetched = host_.requests();
  const std::string uid = promise_field("insecurepro", "{.metadata.uid}");
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "insecurepro", "--timeout=120s"}).ok());
  ASSERT_TRUE(eventually([&] {
    const std::string now = promise_field("insecurepro", "{.metadata.uid}");
    return !now.empty() && now != uid;
  }, kLong, kPoll)) << debug();
  EXPECT_GT(host_.requests(), fetched);

  // Deleting a release deletes its Promise, and the release goes once the Promise is gone.
  ASSERT_TRUE(cluster().kubectl({"delete", "promiserelease", "secure", "--wait=false"}).ok());
  ASSERT_TRUE(eventually([&] { return !exists("promise", "securepro") && !exists("promiserelease", "secure"); }, kLong, kPoll))
      << debug();
  EXPECT_FALSE(exists("crd", "secures.wftest.kratix.io")) << "the Promise's API goes with it";
  EXPECT_TRUE(exists("promise", "insecurepro")) << "the other release's Promise stays";
}

TEST_F(PromiseReleasesTest, ANewVersionIsFetchedAndAnEmptyOneIsFilledIn) {
  track("versioned");
  host_.serve("/versioned", served("versioned", "Versioned", "v1.0.0"));
  release("versioned", "", host_.url("/versioned"));
  ASSERT_TRUE(eventually([&] { return release_field("versioned", "{.spec.version}") == "v1.0.0"; }, kLong, kPoll))
      << release_field("versioned", "{.status}");
  ASSERT_TRUE(eventually([&] { return installed("versioned").starts_with("Installed|True"); }, kLong, kPoll));

  // The file changes: nothing happens until the release asks for the new version.
  std::string v2 = served("versioned", "Versioned", "v2.0.0");
  host_.serve("/versioned", v2);
  std::this_thread::sleep_for(3s);  // a change the release must not pick up on its own (nothing to wait for)
  EXPECT_EQ(promise_field("versioned", "{.metadata.labels.kratix\\.io/promise-version}"), "v1.0.0");
  release("versioned", "v2.0.0", host_.url("/versioned"));
  ASSERT_TRUE(eventually([&] { return promise_field("versioned", "{.metadata.labels.kratix\\.io/promise-version}") == "v2.0.0"; },
                         kLong, kPoll)) << debug();
  EXPECT_EQ(promise_field("versioned", "{.metadata.annotations.served-by}"), "promise-host");
  ASSERT_TRUE(eventually([&] { return installed("versioned").starts_with("Installed|True"); }, kLong, kPoll));
}

TEST_F(PromiseReleasesTest, RefusalsAreReportedOnTheReleaseAndAsEvents) {
  // Wrong credentials: the server's 401.
  ASSERT_TRUE(cluster().kubectl({"create", "secret", "generic", "wrong-token", "-n", "kratix-platform-system",
                                 "--from-literal=authorizationHeader=Bearer not-it"}).ok());
  host_.serve("/secure/p", served("never-installed", "Never", "v1.0.0"));
  release("wrong-token", "v1.0.0", host_.url("/secure/p"), {{"name", "wrong-token"}, {"namespace", "kratix-platform-system"}});
  ASSERT_TRUE(eventually([&] { return installed("wrong-token") == "Error installing|False|FailedToFetchPromise|Failed to fetch Promise from URL"; },
                         kLong, kPoll)) << installed("wrong-token");
  EXPECT_TRUE(has_event("wrong-token", "Warning",
                        "FailedToFetchPromise failed to fetch promise from url: failed to get Promise from URL: status code 401"))
      << events_of("wrong-token");

  // A missing Secret.
  release("no-secret", "v1.0.0", host_.url("/secure/p"), {{"name", "non-existent-secret"}, {"namespace", "kratix-platform-system"}});
  EXPECT_TRUE(has_event("no-secret", "Warning",
                        "failed to fetch data from secretRef: Secret non-existent-secret not found in namespace kratix-platform-system"))
      << events_of("no-secret");

  // Two documents, and a document that is not a Promise.
  host_.serve("/two", served("first", "First", "v1") + "---\n" + served("second", "Second", "v1"));
  release("two", "v1", host_.url("/two"));
  EXPECT_TRUE(has_event("two", "Warning", "expected single document yaml, but found multiple documents")) << events_of("two");
  host_.serve("/configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-a-promise}\n");
  release("configmap", "v1", host_.url("/configmap"));
  EXPECT_TRUE(has_event("configmap", "Warning", "expected single Promise object but found object of kind: ConfigMap"))
      << events_of("configmap");

  // The version: missing on the Promise, or not the one asked for.
  host_.serve("/unlabelled", served("unlabelled", "Unlabelled", ""));
  release("unlabelled", "v1.0.0", host_.url("/unlabelled"));
  ASSERT_TRUE(eventually([&] { return installed("unlabelled") == "Error installing|False|VersionLabelNotFound|Version label not found on Promise"; },
                         kLong, kPoll)) << installed("unlabelled");
  host_.serve("/mismatch", served("mismatch", "Mismatch", "v1.1.0"));
  release("mismatch", "v1.0.0", host_.url("/mismatch"));
  ASSERT_TRUE(eventually([&] {
    return installed("mismatch") == "Error installing|False|VersionNotMatching|Version labels do not match, found: v1.1.0, expected: v1.0.0";
  }, kLong, kPoll)) << installed("mismatch");

  for (const char* p : {"never-installed", "first", "second", "not-a-promise", "unlabelled", "mismatch"}) {
    EXPECT_FALSE(exists("promise", p)) << p;
  }
  // A refused release is deleted without anything to clean up.
  ASSERT_TRUE(cluster().kubectl({"delete", "promiserelease", "mismatch", "--timeout=60s"}).ok());
}

}  // namespace
}  // namespace pave::testing
