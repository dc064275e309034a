// What `pave destination bootstrap` makes of a Destination and its store (gitops/destination_bootstrap.h).
#include "gitops/destination_bootstrap.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "gitops/flux_crds.h"
#include "kube/yaml.h"

namespace pave::gitops {
namespace {

using kube::Json;

Json destination(const std::string& name, const Json& spec) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Destination"}, {"metadata", {{"name", name}}},
          {"spec", spec}};
}

Json git_store(const Json& spec) {
  return {{"kind", "GitStateStore"}, {"metadata", {{"name", "git"}}}, {"spec", spec}};
}

Json secret(const std::map<std::string, std::string>& values) {
  Json data = Json::object();
  for (const auto& [k, v] : values) data[k] = base::base64_encode(v);
  return {{"kind", "Secret"}, {"data", data}};
}

const Json* find(const std::vector<Json>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return &o;
  }
  return nullptr;
}

std::string decoded(const Json& secret, const char* key) { return base::base64_decode(secret["data"][key].get<std::string>()).value(); }

TEST(DestinationBootstrap, FluxGitSourceWithBasicAuthAndTwoKustomizations) {
  BootstrapInput in{.destination = destination("worker-1", {{"path", "clusters/worker-1"}}),
                    .store = git_store({{"url", "https://git.example/state.git"}, {"branch", "prod"}, {"path", "platform"},
                                        {"secretRef", {{"name", "creds"}}}}),
                    .secret = secret({{"username", "kratix"}, {"password", "s3cr3t"}, {"ca.crt", "PEM"}})};
  auto objects = bootstrap_objects(in, {.interval = "30s"});
  ASSERT_TRUE(objects.has_value()) << objects.error();
  ASSERT_EQ(objects->size(), 5u);
  EXPECT_EQ((*objects)[0]["kind"], "Namespace");
  EXPECT_EQ((*objects)[0]["metadata"]["name"], "flux-system");

  const Json* creds = find(*objects, "Secret", "kratix-worker-1-credentials");
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(decoded(*creds, "username"), "kratix");
  EXPECT_EQ(decoded(*creds, "password"), "s3cr3t");
  EXPECT_EQ(decoded(*creds, "ca.crt"), "PEM");

  const Json* repo = find(*objects, "GitRepository", "kratix-worker-1");
  ASSERT_NE(repo, nullptr);
  EXPECT_EQ((*repo)["metadata"]["namespace"], "flux-system");
  EXPECT_EQ((*repo)["spec"]["url"], "https://git.example/state.git");
  EXPECT_EQ((*repo)["spec"]["ref"]["branch"], "prod");
  EXPECT_EQ((*repo)["spec"]["interval"], "30s");
  EXPECT_EQ((*repo)["spec"]["secretRef"]["name"], "kratix-worker-1-credentials");

  const Json* deps = find(*objects, "Kustomization", "kratix-worker-1-dependencies");
  const Json* resources = find(*objects, "Kustomization", "kratix-worker-1-resources");
  ASSERT_NE(deps, nullptr);
  ASSERT_NE(resources, nullptr);
  EXPECT_EQ((*deps)["spec"]["path"], "./platform/clusters/worker-1/dependencies");
  EXPECT_EQ((*resources)["spec"]["path"], "./platform/clusters/worker-1/resources");
  EXPECT_EQ((*resources)["spec"]["dependsOn"], Json::parse(R"([{"name":"kratix-worker-1-dependencies"}])"));
  EXPECT_EQ((*deps)["spec"]["prune"], true);
  EXPECT_EQ((*deps)["spec"]["sourceRef"], Json::parse(R"({"kind":"GitRepository","name":"kratix-worker-1"})"));
  // The dependencies come before the resources that depend on them.
  EXPECT_LT(deps - objects->data(), resources - objects->data());
}

TEST(DestinationBootstrap, TheDirectoryIsWherePavesWritersPutTheDestinationsFiles) {
  // As statestore::destination_dir and store_path place them: an empty, "." or "/" path is the store's path.
  EXPECT_EQ(destination_directory(destination("w", {{"path", "w"}}), git_store(Json::object())).value(), "w");
  EXPECT_EQ(destination_directory(destination("w", Json::object()), git_store(Json::object())).value(), "");
  EXPECT_EQ(destination_directory(destination("w", {{"path", "."}}), git_store({{"path", "p"}})).value(), "p");
  EXPECT_EQ(destination_directory(destination("w", {{"path", "/a/b/"}}), git_store({{"path", "./root/"}})).value(), "root/a/b");
  auto objects = bootstrap_objects({.destination = destination("w", {{"path", "/"}}), .store = git_store({{"url", "u"}})}, {});
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ((*find(*objects, "Kustomization", "kratix-w-dependencies"))["spec"]["path"], "./dependencies");
}

TEST(DestinationBootstrap, APathLeavingTheStoreIsRefused) {
  // Flux would clamp ./../worker-2 to the root and pull another Destination's files.
  for (const char* path : {"../worker-2", "a/../../b", "a/.."}) {
    auto objects = bootstrap_objects({.destination = destination("w", {{"path", path}}), .store = git_store({{"url", "u"}})}, {});
    ASSERT_FALSE(objects.has_value()) << path;
    EXPECT_NE(objects.error().find("cannot be used as a path"), std::string::npos) << objects.error();
  }
}

TEST(DestinationBootstrap, SshStoresGiveFluxItsIdentityAndAnSshUrl) {
  BootstrapInput in{.destination = destination("w", Json::object()),
                    .store = git_store({{"url", "git@github.com:org/state.git"}, {"authMethod", "ssh"}}),
                    .secret = secret({{"sshPrivateKey", "KEY"}, {"knownHosts", "github.com ssh-ed25519 AAAA"}})};
  auto objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ((*find(*objects, "GitRepository", "kratix-w"))["spec"]["url"], "ssh://git@github.com/org/state.git");
  const Json* creds = find(*objects, "Secret", "kratix-w-credentials");
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(decoded(*creds, "identity"), "KEY");
  EXPECT_EQ(decoded(*creds, "known_hosts"), "github.com ssh-ed25519 AAAA");
  EXPECT_FALSE((*creds)["data"].contains("sshPrivateKey"));
  EXPECT_EQ(flux_git_url("ssh://git@host:2222/repo.git"), "ssh://git@host:2222/repo.git");
}

TEST(DestinationBootstrap, GitHubAppStoresUseFluxsGitHubProvider) {
  BootstrapInput in{.destination = destination("w", Json::object()),
                    .store = git_store({{"url", "https://github.com/org/state.git"}, {"authMethod", "githubApp"}}),
                    .secret = secret({{"appID", "1"}, {"installationID", "2"}, {"privateKey", "PEM"}})};
  auto objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ((*find(*objects, "GitRepository", "kratix-w"))["spec"]["provider"], "github");
  const Json* creds = find(*objects, "Secret", "kratix-w-credentials");
  EXPECT_EQ(decoded(*creds, "githubAppID"), "1");
  EXPECT_EQ(decoded(*creds, "githubAppInstallationID"), "2");
  EXPECT_EQ(decoded(*creds, "githubAppPrivateKey"), "PEM");
}

TEST(DestinationBootstrap, BucketStoresBecomeAFluxBucketSource) {
  BootstrapInput in{.destination = destination("w", Json::object()),
                    .store = {{"kind", "BucketStateStore"}, {"metadata", {{"name", "b"}}},
                              {"spec", {{"bucketName", "kratix"}, {"endpoint", "127.0.0.1:9000"}, {"insecure", true}}}},
                    .secret = secret({{"accessKeyID", "AK"}, {"secretAccessKey", "SK"}})};
  auto objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  const Json* bucket = find(*objects, "Bucket", "kratix-w");
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ((*bucket)["spec"]["bucketName"], "kratix");
  EXPECT_EQ((*bucket)["spec"]["endpoint"], "127.0.0.1:9000");
  EXPECT_EQ((*bucket)["spec"]["insecure"], true);
  EXPECT_EQ((*bucket)["spec"]["provider"], "generic");
  EXPECT_FALSE((*bucket)["spec"].contains("certSecretRef"));
  const Json* creds = find(*objects, "Secret", "kratix-w-credentials");
  EXPECT_EQ(decoded(*creds, "accesskey"), "AK");
  EXPECT_EQ(decoded(*creds, "secretkey"), "SK");
  EXPECT_EQ((*find(*objects, "Kustomization", "kratix-w-resources"))["spec"]["sourceRef"]["kind"], "Bucket");
}

TEST(DestinationBootstrap, ABucketWithoutKeysGetsNoSecretRefAndACAAloneACertSecretRef) {
  BootstrapInput in{.destination = destination("w", Json::object()),
                    .store = {{"kind", "BucketStateStore"}, {"spec", {{"bucketName", "b"}, {"endpoint", "e"}}}},
                    .secret = secret({{"ca.crt", "PEM"}})};
  auto objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  const Json* bucket = find(*objects, "Bucket", "kratix-w");
  EXPECT_FALSE((*bucket)["spec"].contains("secretRef"));
  EXPECT_EQ((*bucket)["spec"]["certSecretRef"]["name"], "kratix-w-credentials");
  EXPECT_EQ(decoded(*find(*objects, "Secret", "kratix-w-credentials"), "ca.crt"), "PEM");
  in.secret = Json();
  objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ(find(*objects, "Secret", "kratix-w-credentials"), nullptr);
  EXPECT_FALSE((*find(*objects, "Bucket", "kratix-w"))["spec"].contains("secretRef"));
}

TEST(DestinationBootstrap, OtherLayoutsGetOneKustomizationOfTheDirectory) {
  BootstrapInput in{.destination = destination("w", {{"path", "w"}, {"filepath", {{"mode", "aggregatedYAML"}}}}),
                    .store = git_store({{"url", "u"}})};
  auto objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  const Json* k = find(*objects, "Kustomization", "kratix-w");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ((*k)["spec"]["path"], "./w");
  EXPECT_EQ(find(*objects, "Kustomization", "kratix-w-resources"), nullptr);
  // The none layout's state files (.kratix/) are kept from Flux: they are not objects.
  in.destination["spec"]["filepath"]["mode"] = "none";
  objects = bootstrap_objects(in, {});
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ((*find(*objects, "GitRepository", "kratix-w"))["spec"]["ignore"], ".kratix/\n");
}

TEST(DestinationBootstrap, ArgoCDGetsARepositorySecretAndTwoApplications) {
  BootstrapInput in{.destination = destination("w", {{"path", "w"}}),
                    .store = git_store({{"url", "https://git.example/s.git"}}),
                    .secret = secret({{"username", "u"}, {"password", "p"}})};
  auto objects = bootstrap_objects(in, {.agent = Agent::kArgoCD});
  ASSERT_TRUE(objects.has_value()) << objects.error();
  const Json* repo = find(*objects, "Secret", "kratix-w-repository");
  ASSERT_NE(repo, nullptr);
  EXPECT_EQ((*repo)["metadata"]["namespace"], "argocd");
  EXPECT_EQ((*repo)["metadata"]["labels"]["argocd.argoproj.io/secret-type"], "repository");
  EXPECT_EQ(decoded(*repo, "url"), "https://git.example/s.git");
  EXPECT_EQ(decoded(*repo, "password"), "p");
  const Json* resources = find(*objects, "Application", "kratix-w-resources");
  ASSERT_NE(resources, nullptr);
  EXPECT_EQ((*resources)["spec"]["source"]["path"], "w/resources");
  EXPECT_EQ((*resources)["spec"]["source"]["directory"]["recurse"], true);
  EXPECT_EQ((*resources)["spec"]["syncPolicy"]["automated"]["prune"], true);
  EXPECT_EQ((*resources)["spec"]["syncPolicy"]["retry"]["limit"], 10);
  ASSERT_NE(find(*objects, "Application", "kratix-w-dependencies"), nullptr);
}

TEST(DestinationBootstrap, RefusesWhatTheAgentCannotRead) {
  BootstrapInput bucket{.destination = destination("w", Json::object()),
                        .store = {{"kind", "BucketStateStore"}, {"spec", Json::object()}}};
  auto argo = bootstrap_objects(bucket, {.agent = Agent::kArgoCD});
  ASSERT_FALSE(argo.has_value());
  EXPECT_NE(argo.error().find("Argo CD cannot read"), std::string::npos) << argo.error();
  auto unknown = bootstrap_objects({.destination = destination("w", Json::object()), .store = {{"kind", "Other"}}}, {});
  ASSERT_FALSE(unknown.has_value());
  auto method = bootstrap_objects({.destination = destination("w", Json::object()),
                                   .store = git_store({{"authMethod", "kerberos"}})}, {});
  ASSERT_FALSE(method.has_value());
  EXPECT_NE(method.error().find("kerberos"), std::string::npos);
}

TEST(DestinationBootstrap, FluxCRDsAreBuiltInAndServeTheKindsBootstrapWrites) {
  auto crds = kube::parse_yaml_documents(flux_crds_yaml());
  ASSERT_TRUE(crds.has_value()) << crds.error().message;
  std::set<std::string> served;
  for (const auto& crd : *crds) {
    for (const auto& v : crd["spec"]["versions"]) {
      if (v.value("served", false)) served.insert(crd["spec"]["group"].get<std::string>() + "/" + v["name"].get<std::string>() + "/" + crd["spec"]["names"]["kind"].get<std::string>());
    }
  }
  for (const char* kind : {"source.toolkit.fluxcd.io/v1/GitRepository", "source.toolkit.fluxcd.io/v1/Bucket",
                           "kustomize.toolkit.fluxcd.io/v1/Kustomization"}) {
    EXPECT_TRUE(served.contains(kind)) << kind;
  }
}

}  // namespace
}  // namespace pave::gitops
