// Multi-cluster end to end with real Flux: a platform cluster running Pave (in-process controllers, the pod
// runner running every pipeline) and two destination clusters, each a real control plane with Flux's
// source-controller and kustomize-controller pulling its Destination's directory of the state store, wired
// up by `pave destination bootstrap --kubeconfig`. The state store is a real Git server, or moto's S3
// server read through Flux's Bucket source.
//
// What reaches a cluster is checked on that cluster: a request's objects appear on the Destination its
// pipeline chose and nowhere else, the Promise's dependencies on every matching one; deleting the request
// removes its objects; a Destination whose labels stop matching keeps what it has, marked misplaced.
#include <gtest/gtest.h>

#include "support/flux.h"
#include "support/moto_server.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

// Two destination clusters, each with Flux, shared by the binary's tests.
class DestinationClusters : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const char* name : {"flux-1", "flux-2"}) {
      auto cluster = LocalCluster::start(name);
      ASSERT_TRUE(cluster.has_value()) << cluster.error();
      auto flux = FluxAgent::start(cluster->access());
      ASSERT_TRUE(flux.has_value()) << flux.error();
      clusters_.push_back(std::move(*cluster));
      fluxes_.push_back(std::move(*flux));
    }
    instance = this;
  }
  void TearDown() override {
    fluxes_.clear();
    clusters_.clear();
  }

  const ClusterAccess& cluster(int i) const { return clusters_.at(i).access(); }
  const FluxAgent& flux(int i) const { return fluxes_.at(i); }
  static inline DestinationClusters* instance = nullptr;

 private:
  std::vector<LocalCluster> clusters_;
  std::vector<FluxAgent> fluxes_;
};

class FluxDestinations : public WorkflowFixture {
 protected:
  void TearDown() override {
    // Flux prunes what its Kustomizations applied when they are deleted, so the next test starts clean.
    for (int i = 0; i < 2; ++i) {
      auto gone = destination(i).kubectl({"delete", "kustomizations,gitrepositories,buckets", "-n", "flux-system", "--all",
                                          "--timeout=90s"});
      EXPECT_TRUE(gone.ok()) << gone.err;
    }
    WorkflowFixture::TearDown();  // deletes the Promises (their files leave the store) and the Destinations
    cluster().kubectl({"delete", "bucketstatestores", "--all", "--ignore-not-found"});
    moto_.reset();
  }

  const ClusterAccess& destination(int i) const { return DestinationClusters::instance->cluster(i); }

  // Destinations flux-1 and flux-2 (labelled fluxe2e=true and target=<name>) on the store of this kind, each
  // bootstrapped onto its cluster with the pave CLI.
  void register_destinations(const std::string& store_kind, const std::string& store) {
    for (int i = 0; i < 2; ++i) {
      const std::string name = "flux-" + std::to_string(i + 1);
      ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\n"
          "metadata: {name: " + name + ", labels: {fluxe2e: \"true\", target: " + name + "}}\n"
          "spec: {path: " + name + ", stateStoreRef: {kind: " + store_kind + ", name: " + store + "}}\n").ok());
      ASSERT_TRUE(eventually([&] { return get("destination", name, condition("Ready", "status")) == "True"; }, 60s))
          << events_of(name);
      auto bootstrap = base::run({.argv = {PAVE_BINARY, "destination", "bootstrap", name, "--platform-kubeconfig",
                                           cluster().kubeconfig, "--kubeconfig", destination(i).kubeconfig, "--interval", "2s"}});
      ASSERT_TRUE(bootstrap.ok()) << bootstrap.err << bootstrap.out;
    }
  }

  // A Promise whose static dependency is the Namespace deps_ns on every fluxe2e Destination, and whose
  // pipeline writes a ConfigMap named after the request into that namespace, for the Destination labelled
  // target=<spec.target>.
  Json flux_promise(const std::string& name, const std::string& kind, const std::string& deps_ns, const std::string& round) {
    Json p = promise(name, kind, Json::array({pipeline("configure", R"(
name=$(yq '.metadata.name' /kratix/input/object.yaml)
ns=$(yq '.spec.namespace' /kratix/input/object.yaml)
target=$(yq '.spec.target' /kratix/input/object.yaml)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\ndata: {from: pave}\n' "$name" "$ns" > /kratix/output/configmap.yaml
printf -- '- matchLabels: {target: %s}\n' "$target" > /kratix/metadata/destination-selectors.yaml
)")}));
    p["spec"]["destinationSelectors"] = Json::array({{{"matchLabels", {{"fluxe2e", "true"}}}}});
    p["spec"]["dependencies"] = Json::array({{{"apiVersion", "v1"}, {"kind", "Namespace"},
                                              {"metadata", {{"name", deps_ns}, {"labels", {{"round", round}}}}}}});
    return p;
  }

  bool has(int i, const std::string& kind, const std::string& name, const std::string& in = "") {
    std::vector<std::string> args{"get", kind, name, "-o", "name"};
    if (!in.empty()) args.insert(args.end(), {"-n", in});
    return destination(i).kubectl(args).ok();
  }
  std::string revision(int i, const std::string& kustomization) {
    return destination(i).kubectl({"get", "kustomization", kustomization, "-n", "flux-system", "-o",
                                   "jsonpath={.status.lastAppliedRevision}"}).out;
  }
  // Whether both clusters' resources Kustomizations have applied the same, non-empty revision of the store.
  bool in_step() {
    const std::string a = revision(0, "kratix-flux-1-resources"), b = revision(1, "kratix-flux-2-resources");
    return !a.empty() && a == b;
  }
  std::string flux_state() {
    std::string out;
    for (int i = 0; i < 2; ++i) {
      out += destination(i).kubectl({"get", "gitrepositories,buckets,kustomizations", "-n", "flux-system", "-o", "yaml"}).out;
      out += DestinationClusters::instance->flux(i).log_tail();
    }
    return out;
  }

  // The request's objects reach the Destination its pipeline chose and nowhere else, the Promise's
  // dependencies every matching one; deleting the request removes its objects from the cluster.
  void deliver_and_remove(const std::string& promise_name, const std::string& kind) {
    const std::string deps_ns = ns() + "-deps";
    apply(flux_promise(promise_name, kind, deps_ns, "1"));
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(eventually([&] { return has(i, "namespace", deps_ns); }, kLong)) << "cluster " << i << "\n" << flux_state();
    }
    apply(request(kind, "first", {{"target", "flux-1"}, {"namespace", deps_ns}}));
    ASSERT_TRUE(eventually([&] { return has(0, "configmap", "first", deps_ns); }, kLong)) << debug() << flux_state();
    EXPECT_EQ(destination(0).kubectl({"get", "configmap", "first", "-n", deps_ns, "-o", "jsonpath={.data.from}"}).out, "pave");
    // Once flux-2 has applied what flux-1 has, the request's objects are not there.
    ASSERT_TRUE(eventually([&] { return in_step(); }, 90s)) << flux_state();
    EXPECT_FALSE(has(1, "configmap", "first", deps_ns));

    ASSERT_TRUE(kubectl({"delete", plural(kind), "first", "--timeout=120s"}).ok());
    EXPECT_TRUE(eventually([&] { return !has(0, "configmap", "first", deps_ns); }, kLong)) << flux_state();
    EXPECT_TRUE(has(0, "namespace", deps_ns)) << "the Promise's dependencies stay";
  }

  std::optional<MotoServer> moto_;

  static std::string plural(const std::string& kind) {
    std::string p;
    for (char c : kind) p += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return p + "s.wftest.kratix.io";
  }
};

TEST_F(FluxDestinations, GitStoreReachesTheChosenClusterOnlyAndLeavesMisplacedObjectsAlone) {
  // The fixture's GitStateStore `wf` on a real Git server (http, basic auth).
  ASSERT_NO_FATAL_FAILURE(register_destinations("GitStateStore", "wf"));
  ASSERT_NO_FATAL_FAILURE(deliver_and_remove("fluxgit", "FluxGit"));

  // A Destination whose labels stop matching keeps the request's objects, its placement marked misplaced.
  const std::string deps_ns = ns() + "-deps";
  apply(request("FluxGit", "second", {{"target", "flux-1"}, {"namespace", deps_ns}}));
  ASSERT_TRUE(eventually([&] { return has(0, "configmap", "second", deps_ns); }, kLong)) << debug() << flux_state();
  ASSERT_TRUE(cluster().kubectl({"label", "destination", "flux-1", "target=elsewhere", "--overwrite"}).ok());
  auto placement_of_second = [&] {
    return kubectl({"get", "workplacements", "-o",
                    "jsonpath={.items[?(@.spec.resourceName==\"second\")].metadata.labels.kratix\\.io/misplaced}"}).out;
  };
  ASSERT_TRUE(eventually([&] { return placement_of_second() == "true"; }, 60s))
      << kubectl({"get", "workplacements", "-o", "yaml"}).out;
  // A later change to the store reaches flux-1 (the dependency's new label), and the objects are still there.
  apply(flux_promise("fluxgit", "FluxGit", deps_ns, "2"));
  ASSERT_TRUE(eventually([&] {
    return destination(0).kubectl({"get", "namespace", deps_ns, "-o", "jsonpath={.metadata.labels.round}"}).out == "2";
  }, kLong)) << flux_state();
  ASSERT_TRUE(eventually([&] {
    return revision(0, "kratix-flux-1-resources") == revision(0, "kratix-flux-1-dependencies");
  }, 60s)) << "the resources Kustomization applies the same commit\n" << flux_state();
  EXPECT_TRUE(has(0, "configmap", "second", deps_ns));
  EXPECT_EQ(placement_of_second(), "true");
  EXPECT_NE(file("flux-1/resources/" + ns() + "/fluxgit/second/configure/5058f/configmap.yaml"), "");
}

TEST_F(FluxDestinations, BucketStoreReachesTheChosenClusterOnlyThroughFluxsBucketSource) {
  auto started = MotoServer::start("kratix");
  ASSERT_TRUE(started.has_value()) << started.error();
  auto& moto = moto_.emplace(std::move(*started));
  ASSERT_TRUE(kubectl({"create", "secret", "generic", "bucket-creds", "--from-literal=accessKeyID=" + moto.access_key(),
                       "--from-literal=secretAccessKey=" + moto.secret_key()}).ok());
  ASSERT_TRUE(cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: BucketStateStore\n"
      "metadata: {name: flux-bucket}\nspec:\n  endpoint: " + moto.endpoint() + "\n  bucketName: kratix\n  insecure: true\n"
      "  secretRef: {name: bucket-creds, namespace: " + ns() + "}\n").ok());
  ASSERT_TRUE(eventually([&] { return get("bucketstatestore", "flux-bucket", condition("Ready", "status")) == "True"; }, 60s))
      << get("bucketstatestore", "flux-bucket", "{.status}");
  ASSERT_NO_FATAL_FAILURE(register_destinations("BucketStateStore", "flux-bucket"));
  ASSERT_NO_FATAL_FAILURE(deliver_and_remove("fluxbucket", "FluxBucket"));
}

}  // namespace
}  // namespace pave::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::RunnerEnvironment("wf-node"));
  ::testing::AddGlobalTestEnvironment(new pave::testing::DestinationClusters);
  return RUN_ALL_TESTS();
}
