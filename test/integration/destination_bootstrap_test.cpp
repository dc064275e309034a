// `pave destination bootstrap` against a real API server: printed, the objects parse as YAML; applied with
// --kubeconfig to a cluster without Flux, Flux's CRDs go in first and are Established before the
// GitRepository and Kustomizations, which come out as the Destination and its store say; applied again,
// existing CRDs are left alone and the rest is updated in place. (Flux itself pulling them is
// e2e/flux_destinations_test.)
#include <gtest/gtest.h>

#include "kube/yaml.h"
#include "support/cluster_environment.h"

namespace pave::testing {
namespace {

class DestinationBootstrapCommand : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(install_kratix(PAVE_CRD_DIR));
    ASSERT_TRUE(kubectl({"create", "secret", "generic", "creds", "--from-literal=username=kratix",
                         "--from-literal=password=s3cr3t"}).ok());
    ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\n"
        "metadata: {name: " + ns() + "}\nspec: {url: \"https://git.example/state.git\", branch: prod, path: platform,\n"
        "  secretRef: {name: creds, namespace: " + ns() + "}}\n---\napiVersion: platform.kratix.io/v1alpha1\n"
        "kind: Destination\nmetadata: {name: " + ns() + "}\n"
        "spec: {path: clusters/one, stateStoreRef: {kind: GitStateStore, name: " + ns() + "}}\n").ok());
  }
  void TearDown() override {
    cluster().kubectl({"delete", "destination,gitstatestore", ns(), "--ignore-not-found"});
    ClusterTest::TearDown();
  }
  base::ProcessOutput bootstrap(std::vector<std::string> extra) {
    std::vector<std::string> argv{PAVE_BINARY, "destination", "bootstrap", ns(), "--platform-kubeconfig", cluster().kubeconfig};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return base::run({.argv = argv});
  }
};

TEST_F(DestinationBootstrapCommand, PrintsParsableObjects) {
  auto printed = bootstrap({"--no-crds"});
  ASSERT_TRUE(printed.ok()) << printed.err;
  auto docs = kube::parse_yaml_documents(printed.out);
  ASSERT_TRUE(docs.has_value()) << docs.error().message;
  std::vector<std::string> kinds;
  for (const auto& d : *docs) kinds.push_back(d.value("kind", ""));
  EXPECT_EQ(kinds, (std::vector<std::string>{"Namespace", "Secret", "GitRepository", "Kustomization", "Kustomization"}));
}

TEST_F(DestinationBootstrapCommand, AppliesFluxCRDsThenTheSourceAndKustomizations) {
  auto applied = bootstrap({"--kubeconfig", cluster().kubeconfig, "--interval", "30s", "--namespace", ns()});
  ASSERT_TRUE(applied.ok()) << applied.err << applied.out;
  EXPECT_EQ(cluster().kubectl({"get", "crd", "gitrepositories.source.toolkit.fluxcd.io", "-o",
                               "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"}).out, "True");
  const std::string repo = "kratix-" + ns();
  EXPECT_EQ(kubectl({"get", "gitrepository", repo, "-o", "jsonpath={.spec.url} {.spec.ref.branch} {.spec.interval} {.spec.secretRef.name}"}).out,
            "https://git.example/state.git prod 30s " + repo + "-credentials");
  EXPECT_EQ(kubectl({"get", "secret", repo + "-credentials", "-o", "jsonpath={.data.password}"}).out, "czNjcjN0");
  EXPECT_EQ(kubectl({"get", "kustomization", repo + "-resources", "-o", "jsonpath={.spec.path} {.spec.dependsOn[0].name}"}).out,
            "./platform/clusters/one/resources " + repo + "-dependencies");
  EXPECT_EQ(kubectl({"get", "kustomization", repo + "-dependencies", "-o", "jsonpath={.spec.path}"}).out,
            "./platform/clusters/one/dependencies");

  // Again, after the store moved: the CRDs are left alone and the source follows the store.
  ASSERT_TRUE(cluster().kubectl({"patch", "gitstatestore", ns(), "--type=merge", "-p", R"({"spec":{"branch":"main"}})"}).ok());
  auto again = bootstrap({"--kubeconfig", cluster().kubeconfig, "--namespace", ns()});
  ASSERT_TRUE(again.ok()) << again.err;
  EXPECT_NE(again.out.find("CustomResourceDefinition gitrepositories.source.toolkit.fluxcd.io exists, left as it is"),
            std::string::npos) << again.out;
  EXPECT_EQ(kubectl({"get", "gitrepository", repo, "-o", "jsonpath={.spec.ref.branch}"}).out, "main");
}

TEST_F(DestinationBootstrapCommand, AMissingDestinationIsAClearError) {
  auto missing = base::run({.argv = {PAVE_BINARY, "destination", "bootstrap", "nowhere", "--platform-kubeconfig",
                                     cluster().kubeconfig}});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.err.find("Destination nowhere"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace pave::testing
