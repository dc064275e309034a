// Kratix's admission checks served by Pave and called by the real API server (kratix-spec.md 0, 1.1 to 1.7;
// Kratix's webhook tests): a refused object never reaches etcd and kubectl shows Kratix's message;
// defaults are applied; warnings reach the user. Pave makes the certificates, keeps them in a Secret that
// a restarted server reuses, and rotates them (CA included) without a failed call.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admission/admission_server.h"
#include "base/encoding.h"
#include "base/http_client.h"
#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/object.h"
#include "support/cluster_environment.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

// A loopback port nothing listens on now.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class AdmissionTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    auto config = kube::load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    client_.emplace(kube::make_client(config).value());
    start({});
  }
  void TearDown() override {
    stop();
    cluster().kubectl({"delete", "validatingwebhookconfiguration", admission::kValidatingConfiguration, "--ignore-not-found"});
    cluster().kubectl({"delete", "mutatingwebhookconfiguration", admission::kMutatingConfiguration, "--ignore-not-found"});
    cluster().kubectl({"delete", "promises,destinations,bucketstatestores,promiserevisions,promisereleases", "--all"});
    cluster().kubectl({"delete", "secret", "pave-webhook-tls", "-n", "kratix-platform-system", "--ignore-not-found"});
    ClusterTest::TearDown();
  }

  void start(admission::AdmissionServerOptions options) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<admission::AdmissionServer>(*client_, options);
    auto started = server_->start();
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
  }
  void stop() { server_.reset(); }

  // kubectl apply of a cluster-wide object; the output and error together.
  base::ProcessOutput apply(const Json& object) { return cluster().kubectl({"apply", "-f", "-"}, object.dump()); }
  bool exists(const std::string& kind, const std::string& name) { return cluster().kubectl({"get", kind, name}).ok(); }
  std::string secret_key(const std::string& key) {
    auto value = cluster().kubectl({"get", "secret", "pave-webhook-tls", "-n", "kratix-platform-system", "-o",
                                    "jsonpath={.data." + key + "}"});
    return value.out;
  }

  // The message kubectl prints for a refusal by one of Pave's webhooks.
  static std::string denied(const std::string& webhook, const std::string& message) {
    return "admission webhook \"" + webhook + "\" denied the request: " + message;
  }

  static Json crd(const std::string& kind, const std::string& group = "admission.test") {
    std::string plural;
    for (char c : kind) plural += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return {{"apiVersion", "apiextensions.k8s.io/v1"}, {"kind", "CustomResourceDefinition"},
            {"metadata", {{"name", plural + "s." + group}}},
            {"spec", {{"group", group}, {"scope", "Namespaced"},
                      {"names", {{"kind", kind}, {"plural", plural + "s"}, {"singular", plural}}},
                      {"versions", Json::array({{{"name", "v1"}, {"served", true}, {"storage", true},
                                                 {"schema", {{"openAPIV3Schema", {{"type", "object"},
                                                   {"x-kubernetes-preserve-unknown-fields", true}}}}}}})}}}};
  }
  static Json pipeline(const std::string& name, const Json& spec_extra = Json::object()) {
    Json p = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Pipeline"}, {"metadata", {{"name", name}}},
              {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
    p["spec"].merge_patch(spec_extra);
    return p;
  }
  static Json promise(const std::string& name, const Json& api, const Json& resource_configure = Json::array()) {
    Json p = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Promise"}, {"metadata", {{"name", name}}},
              {"spec", Json::object()}};
    if (!api.is_null()) p["spec"]["api"] = api;
    if (!resource_configure.empty()) p["spec"]["workflows"]["resource"]["configure"] = resource_configure;
    return p;
  }

  // Applies object and expects the webhook's refusal with exactly this message, and nothing stored.
  void expect_refused(const Json& object, const std::string& webhook, const std::string& message, bool create = true) {
    auto out = apply(object);
    EXPECT_FALSE(out.ok()) << object.dump();
    EXPECT_NE(out.err.find(denied(webhook, message)), std::string::npos) << "wanted: " << message << "\ngot: " << out.err;
    const std::string kind = object["kind"];
    std::string lower;
    for (char c : kind) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (create) {
      // A refused create leaves nothing in etcd.
      EXPECT_FALSE(exists(lower, object["metadata"]["name"])) << kind << " " << object["metadata"]["name"];
    }
  }

  std::optional<kube::Client> client_;
  std::unique_ptr<admission::AdmissionServer> server_;
};

TEST_F(AdmissionTest, BadPromisesAreRefusedWithKratixsMessages) {
  Json cluster_scoped = crd("Clustered");
  cluster_scoped["spec"]["scope"] = "Cluster";
  expect_refused(promise("cluster-api", cluster_scoped), "vpromise.kb.io",
                 "promise api needs to be namespace scoped; spec.api.spec.scope cannot be: Cluster");
  Json no_versions = crd("Versionless");
  no_versions["spec"]["versions"] = Json::array();
  expect_refused(promise("no-versions", no_versions), "vpromise.kb.io",
                 "invalid CRD: promise api is not a valid CRD: spec.versions must list at least one version");
  Json bad_schema = crd("BadSchema");
  bad_schema["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["type"] = "nonsense";
  auto refused = apply(promise("bad-schema", bad_schema));
  EXPECT_NE(refused.err.find(denied("vpromise.kb.io", "invalid CRD: ")), std::string::npos) << refused.err;
  EXPECT_FALSE(exists("promise", "bad-schema"));

  expect_refused(promise("typo", crd("Typo"), Json::array({pipeline("pipeline1", {{"non-existing", true}})})), "vpromise.kb.io",
                 "failed parsing resource.configure pipeline: failed unmarshalling pipeline pipeline1: json: unknown field \"non-existing\"");
  expect_refused(promise("twice", crd("Twice"), Json::array({pipeline("same"), pipeline("same")})), "vpromise.kb.io",
                 "duplicate pipeline name \"same\" in workflow \"resource\" action \"configure\"");
  const std::string long_name(50, 'p');
  expect_refused(promise("long", crd("Long"), Json::array({pipeline(long_name)})), "vpromise.kb.io",
                 "resource.configure pipeline with name \"" + long_name + "\" is too long. The name is used when generating resources "
                 "for the pipeline,including the ServiceAccount which follows the format of \"long-resource-configure-" + long_name +
                 "\", which cannot be longer than 60 characters in total");
  Json labelled = pipeline("labelled");
  labelled["metadata"]["labels"]["team"] = "-platform";
  expect_refused(promise("labels", crd("Labels"), Json::array({labelled})), "vpromise.kb.io",
                 "invalid label value \"-platform\" for key \"team\" in workflow \"resource\" action \"configure\": a valid label must "
                 "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                 "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                 "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  Json container = pipeline("shouty");
  container["spec"]["containers"][0]["name"] = "Main";
  auto shouty = apply(promise("shouty", crd("Shouty"), Json::array({container})));
  EXPECT_NE(shouty.err.find(denied("vpromise.kb.io", "invalid container name \"Main\" in pipeline \"shouty\": a lowercase RFC 1123 label")),
            std::string::npos) << shouty.err;
  // A Job the API server itself refuses (its dry run).
  Json policy = pipeline("policy");
  policy["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes";
  auto job = apply(promise("policy", crd("Policy"), Json::array({policy})));
  EXPECT_NE(job.err.find("resource.configure pipeline with name policy failed to generate Job definition:"), std::string::npos) << job.err;
  EXPECT_NE(job.err.find("Unsupported value: \"Sometimes\""), std::string::npos) << job.err;
  EXPECT_FALSE(exists("promise", "policy"));

  Json often = promise("often", crd("Often"));
  often["spec"]["workflows"]["config"]["reconciliationInterval"] = "30s";
  expect_refused(often, "vpromise.kb.io", "spec.workflows.config.reconciliationInterval: Invalid value: \"30s\": must be at least 1m0s");
  Json annotated = promise("annotated", crd("Annotated"));
  annotated["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "10s";
  expect_refused(annotated, "vpromise.kb.io",
                 "metadata.annotations[kratix.io/reconciliation-interval]: Invalid value: \"10s\": must be at least 1m0s");
  annotated["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "weekly";
  expect_refused(annotated, "vpromise.kb.io",
                 "metadata.annotations[kratix.io/reconciliation-interval]: Invalid value: \"weekly\": must be a valid duration");
}

TEST_F(AdmissionTest, APromisesApiKeepsItsNamesAndMissingRequirementsAreWarnings) {
  Json p = promise("stable", crd("Stable"), Json::array({pipeline("configure")}));
  p["spec"]["requiredPromises"] = Json::array({{{"name", "sub-promise"}, {"version", "v1.0.0"}}});
  auto created = apply(p);
  ASSERT_TRUE(created.ok()) << created.err;
  EXPECT_NE(created.err.find("Warning: Required Promise \"sub-promise\" at version \"v1.0.0\" not installed"), std::string::npos)
      << created.err;
  EXPECT_NE(created.err.find("Warning: Promise will not be available until the above issue(s) is resolved"), std::string::npos);

  Json renamed = p;
  renamed["spec"]["api"]["spec"]["names"]["kind"] = "Steady";
  expect_refused(renamed, "vpromise.kb.io",
                 "promises.platform.kratix.io \"stable\" was not valid:\n* spec.api.spec.names: Invalid value: {\"plural\": \"stables\", "
                 "\"singular\": \"stable\", \"kind\": \"Steady\"}: field is immutable",
                 /*create=*/false);
  Json regrouped = p;
  regrouped["spec"]["api"] = crd("Stable", "other.test");
  auto moved = apply(regrouped);
  EXPECT_NE(moved.err.find("* spec.api.metadata.name: Invalid value: \"stables.other.test\": field is immutable"), std::string::npos)
      << moved.err;
  Json without_api = p;
  without_api["spec"].erase("api");
  expect_refused(without_api, "vpromise.kb.io", "cannot remove API from existing promise", /*create=*/false);
  EXPECT_EQ(cluster().kubectl({"get", "promise", "stable", "-o", "jsonpath={.spec.api.spec.names.kind}"}).out, "Stable");

  // A change that keeps the API is fine.
  Json more = p;
  more["spec"]["workflows"]["resource"]["configure"].push_back(pipeline("second"));
  auto updated = apply(more);
  EXPECT_TRUE(updated.ok()) << updated.err;
}

TEST_F(AdmissionTest, DestinationsAreDefaultedAndNoTwoShareAPathOnAStore) {
  auto destination = [](const std::string& name, const std::string& store, const Json& spec_extra = Json::object()) {
    Json d = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Destination"}, {"metadata", {{"name", name}}},
              {"spec", {{"stateStoreRef", {{"kind", "GitStateStore"}, {"name", store}}}}}};
    d["spec"].merge_patch(spec_extra);
    return d;
  };
  // The CRD requires a path, so the defaulting webhook (called first) is what lets one be left out.
  ASSERT_TRUE(apply(destination("worker-1", "default")).ok());
  EXPECT_EQ(cluster().kubectl({"get", "destination", "worker-1", "-o",
                               "jsonpath={.spec.path} {.metadata.annotations.kratix\\.io/skip-path-defaulting}"}).out,
            "worker-1 true");
  ASSERT_TRUE(apply(destination("catalog", "default", {{"path", "catalog"}, {"filepath", {{"mode", "aggregatedYAML"}}}})).ok());
  EXPECT_EQ(cluster().kubectl({"get", "destination", "catalog", "-o", "jsonpath={.spec.filepath.filename}"}).out, "aggregated.yaml");

  expect_refused(destination("worker-copy", "default", {{"path", "worker-1"}}), "vdestination.kb.io",
                 "destination path 'worker-1' already exists for state store 'default'");
  EXPECT_TRUE(apply(destination("elsewhere", "other", {{"path", "worker-1"}})).ok()) << "another store may use the path";
  EXPECT_TRUE(apply(destination("worker-1", "default", {{"strictMatchLabels", true}})).ok()) << "a Destination keeps its own path";
}

TEST_F(AdmissionTest, StoresReleasesAndRevisionsAreChecked) {
  auto bucket = [](const std::string& name, const Json& spec_extra) {
    Json b = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "BucketStateStore"}, {"metadata", {{"name", name}}},
              {"spec", {{"bucketName", "kratix"}, {"endpoint", "s3.example.com"}}}};
    b["spec"].merge_patch(spec_extra);
    return b;
  };
  expect_refused(bucket("no-secret", Json::object()), "vbucketstatestore-v1alpha1.kb.io",
                 "spec.secretRef must be set when using authentication method accessKey");
  expect_refused(bucket("no-name", {{"secretRef", {{"namespace", "default"}}}}), "vbucketstatestore-v1alpha1.kb.io",
                 "spec.secretRef must contain secret name");
  expect_refused(bucket("no-namespace", {{"secretRef", {{"name", "creds"}}}}), "vbucketstatestore-v1alpha1.kb.io",
                 "spec.secretRef must contain secret namespace");
  EXPECT_TRUE(apply(bucket("iam", {{"authMethod", "IAM"}})).ok());

  auto release = [](const std::string& name, const std::string& url) {
    Json r = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "PromiseRelease"}, {"metadata", {{"name", name}}},
              {"spec", {{"version", "v1"}, {"sourceRef", {{"type", "http"}}}}}};
    if (!url.empty()) r["spec"]["sourceRef"]["url"] = url;
    return r;
  };
  expect_refused(release("no-url", ""), "vpromiserelease.kb.io", "sourceRef.url must be set");
  auto unreachable = apply(release("unreachable", "http://127.0.0.1:1/promise.yaml"));
  EXPECT_NE(unreachable.err.find(denied("vpromiserelease.kb.io", "failed to fetch promise: failed to get url: ")), std::string::npos)
      << unreachable.err;
  // A release naming a Secret is not fetched by the webhook (a forged review could otherwise have Pave send
  // a Secret anywhere): the controller fetches it and reports.
  Json with_secret = release("with-secret", "http://127.0.0.1:1/promise.yaml");
  with_secret["spec"]["sourceRef"]["secretRef"] = {{"name", "token"}, {"namespace", "default"}};
  auto accepted = apply(with_secret);
  EXPECT_TRUE(accepted.ok()) << accepted.err;

  Json revision = {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "PromiseRevision"}, {"metadata", {{"name", "db-3f2a1"}}},
                   {"spec", {{"promiseRef", {{"name", "db"}}}, {"version", "v1"}, {"promiseSpec", Json::object()}}}};
  revision["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "5s";
  expect_refused(revision, "vpromiserevision-v1alpha1.kb.io",
                 "metadata.annotations[kratix.io/reconciliation-interval]: Invalid value: \"5s\": must be at least 1m0s");
  revision["metadata"]["annotations"]["kratix.io/reconciliation-interval"] = "5m";
  ASSERT_TRUE(apply(revision).ok());
  ASSERT_TRUE(cluster().kubectl({"patch", "promiserevision", "db-3f2a1", "--subresource=status", "--type=merge", "-p",
                                 R"({"status":{"latest":true}})"}).ok());
  // A user may not delete the latest revision; Kratix's controllers (and Pave itself) may.
  auto by_user = cluster().kubectl({"delete", "promiserevision", "db-3f2a1", "--as=alice", "--as-group=system:masters"});
  EXPECT_FALSE(by_user.ok());
  EXPECT_NE(by_user.err.find(denied("vpromiserevision-v1alpha1.kb.io", "can not delete the latest PromiseRevision")), std::string::npos)
      << by_user.err;
  EXPECT_TRUE(exists("promiserevision", "db-3f2a1"));
  auto by_controller = cluster().kubectl({"delete", "promiserevision", "db-3f2a1",
                                          "--as=system:serviceaccount:kratix-platform-system:kratix-platform-controller-manager",
                                          "--as-group=system:masters"});
  EXPECT_TRUE(by_controller.ok()) << by_controller.err;
}

TEST_F(AdmissionTest, ARestartedServerReusesItsCertificatesAndRotationFailsNoCall) {
  Json cluster_scoped = crd("Bad");
  cluster_scoped["spec"]["scope"] = "Cluster";
  const Json bad = promise("bad", cluster_scoped);
  const std::string refusal = denied("vpromise.kb.io", "promise api needs to be namespace scoped");
  auto first = apply(bad);
  ASSERT_NE(first.err.find(refusal), std::string::npos) << first.err;
  EXPECT_EQ(cluster().kubectl({"get", "secret", "pave-webhook-tls", "-n", "kratix-platform-system", "-o", "jsonpath={.type}"}).out,
            "kubernetes.io/tls");
  const std::string certificate = secret_key("tls\\.crt");
  const std::string ca = secret_key("ca\\.crt");
  ASSERT_FALSE(certificate.empty());

  // Stopped, the webhooks fail closed: nothing unchecked gets in.
  stop();
  auto while_down = apply(promise("unchecked", Json()));
  EXPECT_FALSE(while_down.ok());
  EXPECT_NE(while_down.err.find("failed calling webhook"), std::string::npos) << while_down.err;
  EXPECT_FALSE(exists("promise", "unchecked"));

  // Restarted (on another port): the same certificate, and the configurations follow the new address.
  start({});
  EXPECT_EQ(secret_key("tls\\.crt"), certificate);
  EXPECT_NE(apply(bad).err.find(refusal), std::string::npos);
  EXPECT_TRUE(apply(promise("checked", Json())).ok());

  // Certificates about to expire are renewed, the CA too, while calls keep being answered.
  stop();
  ASSERT_TRUE(cluster().kubectl({"delete", "secret", "pave-webhook-tls", "-n", "kratix-platform-system"}).ok());
  start({.ca_validity = 6s, .serving_validity = 6s, .refresh_interval = 1s});
  const std::string first_ca = secret_key("ca\\.crt");
  EXPECT_NE(first_ca, ca) << "a new CA for the deleted Secret";
  int answered = 0, failed = 0;
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until) {
    auto out = apply(bad);
    (out.err.find(refusal) != std::string::npos ? answered : failed)++;
  }
  const std::string later_ca = secret_key("ca\\.crt");
  EXPECT_NE(later_ca, first_ca) << "the CA was rotated";
  EXPECT_GT(answered, 5);
  EXPECT_EQ(failed, 0) << "every call during rotation was answered by the webhook";
}

TEST_F(AdmissionTest, PaveControllerServesTheWebhooksAcrossARestart) {
  stop();  // the fixture's in-process server: here `pave controller` serves
  Json cluster_scoped = crd("Bad");
  cluster_scoped["spec"]["scope"] = "Cluster";
  const Json bad = promise("bad", cluster_scoped);
  const std::string refusal = denied("vpromise.kb.io", "promise api needs to be namespace scoped");
  auto dir = base::TempDir::create("admission-pave").value();
  const int webhook_port = free_port(), health_port = free_port();
  std::string certificate;
  for (int run = 0; run < 2; ++run) {
    auto pave = base::Child::spawn({PAVE_BINARY, "controller", "--kubeconfig", cluster().kubeconfig, "--cache-dir", dir.path().string(),
                                    "--health-port", std::to_string(health_port), "--webhook-port", std::to_string(webhook_port),
                                    "--webhook-address", "127.0.0.1"},
                                   {}, (dir.path() / ("pave-" + std::to_string(run) + ".log")).string());
    ASSERT_TRUE(pave.has_value()) << pave.error();
    ASSERT_TRUE(eventually([&] {
      auto ready = base::http_request({.url = "http://127.0.0.1:" + std::to_string(health_port) + "/readyz?verbose"});
      return ready && ready->status == 200 && ready->body.find("[+]webhooks ok") != std::string::npos;
    }, 60s)) << "run " << run;
    auto refused = apply(bad);
    EXPECT_NE(refused.err.find(refusal), std::string::npos) << "run " << run << ": " << refused.err;
    EXPECT_FALSE(exists("promise", "bad"));
    if (run == 0) certificate = secret_key("tls\\.crt");
    EXPECT_EQ(secret_key("tls\\.crt"), certificate) << "a restart serves the certificate it made before";
    EXPECT_EQ(pave->stop(10s), 0) << "run " << run;
  }
}

}  // namespace
}  // namespace pave::testing
