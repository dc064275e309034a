// Pave's Helm chart (deploy/helm/pave) and the plain manifest made from it (deploy/pave.yaml), checked
// against a real API server: helm lints it; every object it renders is valid for this cluster's own
// schemas (its OpenAPI, turned into kubeconform's schemas, strict) and accepted by the API server in a
// server-side dry run; deploy/pave.yaml is the chart rendered; the Kratix config has every key of
// kratix-spec.md 2.9 and reads as Kratix's defaults; the webhook configurations are those Pave applies.
// The chart installed and running is helm_install_test (e2e).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "admission/webhooks.h"
#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/object.h"
#include "kube/yaml.h"
#include "support/cluster_environment.h"
#include "workflow/kratix_config.h"

namespace pave::testing {
namespace {

using kube::Json;
namespace fs = std::filesystem;

const std::string kSource = PAVE_SOURCE_DIR;
const std::string kChart = kSource + "/deploy/helm/pave";
const std::string kHelm = std::string(PAVE_HELM_BIN) + "/helm";

base::ProcessOutput run(std::vector<std::string> argv, std::map<std::string, std::string> env = {}) {
  return base::run({.argv = std::move(argv), .env = std::move(env), .timeout = std::chrono::minutes(3)});
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// helm template with the release in kratix-platform-system; extra: more helm flags.
std::vector<Json> render(std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {kHelm, "template", "pave", kChart, "--namespace", "kratix-platform-system"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto out = run(argv);
  EXPECT_TRUE(out.ok()) << out.err;
  auto docs = kube::parse_yaml_documents(out.out);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().message);
  return docs ? *docs : std::vector<Json>{};
}

const Json* find(const std::vector<Json>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects) {
    if (o.value("kind", "") == kind && kube::meta::name(o) == name) return &o;
  }
  return nullptr;
}

class ChartTest : public ClusterTest {};

TEST_F(ChartTest, LintsCleanAndInstallsOnlyIntoKratixNamespace) {
  auto lint = run({kHelm, "lint", "--strict", kChart, "--namespace", "kratix-platform-system"});
  EXPECT_TRUE(lint.ok()) << lint.out << lint.err;
  auto elsewhere = run({kHelm, "template", "pave", kChart, "--namespace", "default"});
  EXPECT_FALSE(elsewhere.ok());
  EXPECT_NE(elsewhere.err.find("install Pave into namespace kratix-platform-system"), std::string::npos) << elsewhere.err;
}

// helm uninstall keeps the CRDs (and so every user's object) unless removeCRDsOnUninstall is set.
TEST_F(ChartTest, CrdsAreKeptOnUninstallUnlessAsked) {
  int crds = 0;
  for (const auto& o : render()) {
    if (o.value("kind", "") != "CustomResourceDefinition") continue;
    ++crds;
    EXPECT_EQ(kube::meta::annotations(o)["helm.sh/resource-policy"], "keep") << kube::meta::name(o);
  }
  EXPECT_EQ(crds, 10);
  for (const auto& o : render({"--set", "removeCRDsOnUninstall=true"})) {
    if (o.value("kind", "") == "CustomResourceDefinition") {
      EXPECT_FALSE(kube::meta::annotations(o).contains("helm.sh/resource-policy")) << kube::meta::name(o);
    }
  }
}

// A budget keeping one pod of one would block every drain of its Node: with one replica there is none.
TEST_F(ChartTest, ADisruptionBudgetOnlyWhileAPodCanBeSpared) {
  const auto objects = render();
  const Json* budget = find(objects, "PodDisruptionBudget", "pave-controller");
  ASSERT_NE(budget, nullptr) << "two replicas by default, one may go";
  EXPECT_EQ(budget->at("spec").at("minAvailable"), 1);
  EXPECT_EQ(find(render({"--set", "replicas=1"}), "PodDisruptionBudget", "pave-controller"), nullptr);
  EXPECT_EQ(find(render({"--set", "replicas=1", "--set", "podDisruptionBudget.minAvailable=50%"}), "PodDisruptionBudget",
                 "pave-controller"), nullptr) << "Kubernetes rounds 50% of one up to one";
  EXPECT_NE(find(render({"--set", "podDisruptionBudget.minAvailable=50%"}), "PodDisruptionBudget", "pave-controller"), nullptr);
  EXPECT_NE(find(render({"--set", "replicas=3", "--set", "podDisruptionBudget.minAvailable=2"}), "PodDisruptionBudget",
                 "pave-controller"), nullptr);
  EXPECT_EQ(find(render({"--set", "podDisruptionBudget.enabled=false"}), "PodDisruptionBudget", "pave-controller"), nullptr);
}

TEST_F(ChartTest, PlainManifestIsTheChartRendered) {
  auto check = run({kSource + "/scripts/render-manifest.sh", "--check"}, {{"PAVE_HELM_BIN", PAVE_HELM_BIN}});
  EXPECT_TRUE(check.ok()) << check.out << check.err;
  const auto chart = render({"--set", "createNamespace=true"});
  auto manifest = kube::parse_yaml_documents(read_file(kSource + "/deploy/pave.yaml"));
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(*manifest, chart);
  EXPECT_NE(find(*manifest, "Namespace", "kratix-platform-system"), nullptr);
  EXPECT_EQ(find(render(), "Namespace", "kratix-platform-system"), nullptr) << "helm install --create-namespace makes it";
}

// kubeconform, strict, with schemas made from this API server's OpenAPI; no schema may be missing.
base::ProcessOutput kubeconform(const ClusterAccess& cluster, const std::string& manifest_path, const fs::path& work) {
  const fs::path openapi = work / "openapi.json", schemas = work / "schemas";
  if (!fs::exists(schemas)) {
    auto raw = cluster.kubectl({"get", "--raw", "/openapi/v2"});
    EXPECT_TRUE(raw.ok()) << raw.err;
    std::ofstream(openapi) << raw.out;
    auto converted = run({std::string(PAVE_HELM_BIN) + "/openapi2jsonschema", "-in", openapi.string(), "-out",
                          schemas.string(), "-strict"});
    EXPECT_TRUE(converted.ok()) << converted.err;
  }
  return run({std::string(PAVE_HELM_BIN) + "/kubeconform", "-strict", "-summary", "-output", "json", "-schema-location",
              schemas.string() + "/{{ .ResourceKind }}{{ .KindSuffix }}.json", manifest_path});
}

TEST_F(ChartTest, EveryObjectIsValidForTheClustersSchemas) {
  auto work = base::TempDir::create("chart-schemas").value();
  auto checked = kubeconform(cluster(), kSource + "/deploy/pave.yaml", work.path());
  ASSERT_TRUE(checked.ok()) << checked.out << checked.err;
  auto summary = Json::parse(checked.out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << checked.out;
  const Json& counts = summary["summary"];
  const size_t objects = kube::parse_yaml_documents(read_file(kSource + "/deploy/pave.yaml"))->size();
  EXPECT_EQ(counts.value("valid", 0), static_cast<int>(objects)) << checked.out;
  EXPECT_EQ(counts.value("invalid", -1), 0);
  EXPECT_EQ(counts.value("errors", -1), 0);
  EXPECT_EQ(counts.value("skipped", -1), 0);

  // The check has teeth: a misspelt field of the Deployment is refused.
  std::string text = read_file(kSource + "/deploy/pave.yaml");
  const std::string field = "terminationGracePeriodSeconds";
  ASSERT_NE(text.find(field), std::string::npos);
  text.replace(text.find(field), field.size(), "terminationGracePeriodSecond");
  const fs::path broken = work.path() / "broken.yaml";
  std::ofstream(broken) << text;
  auto refused = kubeconform(cluster(), broken.string(), work.path());
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.out.find("terminationGracePeriodSecond"), std::string::npos) << refused.out;
}

TEST_F(ChartTest, TheApiServerAcceptsEveryObject) {
  install_kratix(kSource + "/deploy/crds");
  auto applied = cluster().kubectl({"apply", "--dry-run=server", "--validate=strict", "-f", kSource + "/deploy/pave.yaml"});
  EXPECT_TRUE(applied.ok()) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("deployment.apps/pave-controller created (server dry run)"), std::string::npos) << applied.out;
}

workflow::KratixConfig rendered_config(std::vector<std::string> extra = {}) {
  const auto objects = render(std::move(extra));
  const Json* configmap = find(objects, "ConfigMap", "kratix");
  EXPECT_NE(configmap, nullptr);
  if (!configmap) return {};
  auto config = workflow::parse_kratix_config((*configmap)["data"].value("config", ""));
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
  return config ? *config : workflow::KratixConfig{};
}

TEST_F(ChartTest, KratixConfigHasEveryKeyAndReadsAsKratixDefaults) {
  auto values = kube::parse_yaml(read_file(kChart + "/values.yaml"));
  ASSERT_TRUE(values.has_value());
  const Json& kc = (*values)["kratixConfig"];
  for (const char* pointer :
       {"/numberOfJobsToKeep", "/selectiveCache", "/reconciliationInterval", "/stateStoreReconciliationInterval",
        "/controllerLeaderElection/leaseDuration", "/controllerLeaderElection/renewDeadline",
        "/controllerLeaderElection/retryPeriod", "/resourceBindingVersionStrategy", "/featureFlags/dryRun",
        "/workflows/reconcileAfterFailure", "/workflows/jobOptions/defaultBackoffLimit",
        "/workflows/jobOptions/podTTLSecondsAfterFinished", "/workflows/defaultImagePullPolicy",
        "/workflows/defaultContainerSecurityContext", "/workflows/defaultContainerResources", "/logging/level",
        "/logging/structured", "/git/minimumFetchInterval", "/telemetry/endpoint", "/telemetry/protocol",
        "/telemetry/insecure", "/telemetry/headers", "/telemetry/traces/enabled", "/telemetry/metrics/enabled"}) {
    EXPECT_TRUE(kc.contains(Json::json_pointer(pointer))) << "values.yaml lacks kratixConfig" << pointer;
  }

  const workflow::KratixConfig defaults, config = rendered_config();
  EXPECT_EQ(config.number_of_jobs_to_keep, defaults.number_of_jobs_to_keep);
  EXPECT_EQ(config.selective_cache, defaults.selective_cache);
  EXPECT_EQ(config.reconciliation_interval, defaults.reconciliation_interval);
  EXPECT_EQ(config.state_store_reconciliation_interval, defaults.state_store_reconciliation_interval);
  EXPECT_EQ(config.controller_leader_election.lease_duration, defaults.controller_leader_election.lease_duration);
  EXPECT_EQ(config.controller_leader_election.renew_deadline, defaults.controller_leader_election.renew_deadline);
  EXPECT_EQ(config.controller_leader_election.retry_period, defaults.controller_leader_election.retry_period);
  EXPECT_EQ(config.resource_binding_version_strategy, defaults.resource_binding_version_strategy);
  EXPECT_EQ(config.dry_run, defaults.dry_run);
  EXPECT_EQ(config.workflows.reconcile_after_failure, defaults.workflows.reconcile_after_failure);
  EXPECT_EQ(config.workflows.job_options.default_backoff_limit, std::nullopt);
  EXPECT_EQ(config.workflows.job_options.pod_ttl_after_finished, std::nullopt);
  EXPECT_EQ(config.workflows.default_image_pull_policy, "");
  EXPECT_EQ(config.workflows.default_container_security_context, std::nullopt);
  EXPECT_EQ(config.workflows.default_container_resources, std::nullopt) << "an empty map would drop Kratix's own resources";
  EXPECT_EQ(config.logging.level, defaults.logging.level);
  EXPECT_EQ(config.logging.structured, defaults.logging.structured);
  EXPECT_EQ(config.git.minimum_fetch_interval, defaults.git.minimum_fetch_interval);

  // Values set at install reach the controller's config.
  const auto set = rendered_config({"--set", "kratixConfig.workflows.jobOptions.defaultBackoffLimit=3",
                                    "--set", "kratixConfig.workflows.jobOptions.podTTLSecondsAfterFinished=600s",
                                    "--set", "kratixConfig.workflows.defaultImagePullPolicy=Never",
                                    "--set", "kratixConfig.workflows.defaultContainerResources.limits.memory=1Gi",
                                    "--set", "kratixConfig.numberOfJobsToKeep=2",
                                    "--set", "kratixConfig.resourceBindingVersionStrategy=pinned"});
  EXPECT_EQ(set.workflows.job_options.default_backoff_limit, 3);
  EXPECT_EQ(set.workflows.job_options.pod_ttl_after_finished, std::chrono::seconds(600));
  EXPECT_EQ(set.workflows.default_image_pull_policy, "Never");
  EXPECT_EQ(set.workflows.default_container_resources, Json({{"limits", {{"memory", "1Gi"}}}}));
  EXPECT_EQ(set.number_of_jobs_to_keep, 2);
  EXPECT_EQ(set.resource_binding_version_strategy, workflow::BindingVersionStrategy::kPinned);
}

// What the chart makes is what Pave applies when it starts, CA bundle and labels aside: Pave's apply
// then changes nothing Helm owns.
TEST_F(ChartTest, WebhookConfigurationsAreThosePaveApplies) {
  const auto objects = render();
  const admission::WebhookClientConfig where{.service_namespace = "kratix-platform-system",
                                             .service_name = "pave-webhook-service"};
  for (Json pave : admission::webhook_configurations(where, "")) {
    const Json* chart = find(objects, pave["kind"], kube::meta::name(pave));
    ASSERT_NE(chart, nullptr) << "the chart has no " << pave["kind"] << " " << kube::meta::name(pave);
    Json ours = *chart;
    for (auto& w : pave["webhooks"]) w["clientConfig"].erase("caBundle");
    ours.erase("metadata");
    pave.erase("metadata");
    EXPECT_EQ(ours, pave) << "chart:\n" << kube::to_yaml(ours) << "Pave:\n" << kube::to_yaml(pave);
    EXPECT_EQ(kube::meta::labels(*chart).at("app.kubernetes.io/part-of"), "kratix");
  }
  const Json* service = find(objects, "Service", "pave-webhook-service");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ((*service)["spec"]["ports"][0].value("port", 0), where.service_port);
}

}  // namespace
}  // namespace pave::testing
