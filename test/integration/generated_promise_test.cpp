// Promises made with the author's verbs, run on the real control plane: `pave init promise`, `update api`,
// `update destination-selector`, `update dependencies` and `add container`; the container's image built
// with `pave build container` (podman); the Promise applied through Pave's admission webhooks, called by
// the real API server; its request fulfilled by the pod runner, its files in the Git store; and
// `pave test` on the same directory. Also a split directory, assembled with `pave build promise`.
#include <gtest/gtest.h>

#include "admission/admission_server.h"
#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/yaml.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;
namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

class GeneratedPromise : public WorkflowFixture {
 protected:
  void SetUp() override {
    WorkflowFixture::SetUp();
    if (HasFatalFailure()) return;
    admission_ = std::make_unique<admission::AdmissionServer>(
        *client_, admission::AdmissionServerOptions{.address = "127.0.0.1", .port = 0, .adapter_image = "localhost/pave:dev"});
    auto started = admission_->start();
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
  }
  void TearDown() override {
    WorkflowFixture::TearDown();
    admission_.reset();
    cluster().kubectl({"delete", "validatingwebhookconfiguration", admission::kValidatingConfiguration, "--ignore-not-found"});
    cluster().kubectl({"delete", "mutatingwebhookconfiguration", admission::kMutatingConfiguration, "--ignore-not-found"});
    for (const auto& image : images_) base::run({.argv = {"podman", "rmi", "--force", image}});
  }

  // `pave ARGS...` in the promise directory.
  base::ProcessOutput pave(std::vector<std::string> args) {
    args.insert(args.begin(), PAVE_BINARY);
    args.insert(args.end(), {"--dir", dir_.path().string()});
    return base::run({.argv = args, .timeout = std::chrono::minutes(5)});
  }
  // The scaffolded Dockerfile starts FROM alpine and installs yq with apk, which this machine cannot
  // reach; the utility image has yq already. Everything else is the scaffold's.
  void use_local_base(const fs::path& container_dir) {
    std::string dockerfile = read(container_dir / "Dockerfile");
    ASSERT_EQ(dockerfile.find("FROM \"alpine\"\n\nRUN apk update && apk add --no-cache yq\n"), 0u) << dockerfile;
    dockerfile.replace(0, dockerfile.find("ADD "), "FROM localhost/pave-pipeline-utility:dev\n\n");
    write(container_dir / "Dockerfile", dockerfile);
  }

  std::unique_ptr<admission::AdmissionServer> admission_;
  base::TempDir dir_ = base::TempDir::create("generated-promise").value();
  std::vector<std::string> images_;
};

TEST_F(GeneratedPromise, InitAddBuildAndApplyFulfilsARequest) {
  const std::string image = "localhost/generated-redis-instance:v" + std::to_string(getpid());
  images_.push_back(image);
  ASSERT_TRUE(pave({"init", "promise", "genredis", "--group", "marketplace.gen.test", "--kind", "GenRedis"}).ok());
  ASSERT_TRUE(pave({"update", "api", "--property", "size:string", "--property", "config.maxmemory:integer"}).ok());
  ASSERT_TRUE(pave({"update", "destination-selector", "environment=dev"}).ok());
  fs::create_directories(dir_.path() / "deps");
  write(dir_.path() / "deps/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: genredis-dep}\ndata: {from: deps}\n");
  auto deps = pave({"update", "dependencies", (dir_.path() / "deps").string()});
  ASSERT_TRUE(deps.ok()) << deps.err;
  EXPECT_EQ(deps.out, "Updated promise.yaml\n");
  auto added = pave({"add", "container", "resource/configure/instance", "--image", image, "--name", "instance"});
  ASSERT_TRUE(added.ok()) << added.err;
  const fs::path container = dir_.path() / "workflows/resource/configure/instance/instance";
  ASSERT_NO_FATAL_FAILURE(use_local_base(container));
  // The script: the scaffold's greeting, then a ConfigMap of the request's size.
  std::ofstream(container / "scripts/pipeline.sh", std::ios::app)
      << "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: %s-redis, namespace: default}\\ndata: {size: \"%s\"}\\n' "
         "\"$name\" \"$(yq '.spec.size' /kratix/input/object.yaml)\" > /kratix/output/redis.yaml\n";
  auto built = pave({"build", "container", "resource/configure/instance", "--engine", "podman"});
  ASSERT_TRUE(built.ok()) << built.out << built.err;
  EXPECT_NE(built.out.find("Building container with tag " + image + "..."), std::string::npos) << built.out;

  // Applied through the webhooks: the Promise as generated is admitted and becomes Available.
  auto applied = cluster().kubectl({"apply", "-f", (dir_.path() / "promise.yaml").string()});
  ASSERT_TRUE(applied.ok()) << applied.err;
  track("genredis");
  ASSERT_TRUE(eventually([&] { return promise_field("genredis", "{.status.status}") == "Available"; }, kLong)) << debug();

  Json request = kube::parse_yaml(read(dir_.path() / "example-resource.yaml")).value();
  EXPECT_EQ(request["apiVersion"], "marketplace.gen.test/v1alpha1");
  request["spec"] = {{"size", "small"}, {"config", {{"maxmemory", 64}}}};
  write(dir_.path() / "example-resource.yaml", kube::to_yaml(request));
  auto refused = kubectl({"apply", "-f", "-"}, R"({"apiVersion":"marketplace.gen.test/v1alpha1","kind":"GenRedis",
      "metadata":{"name":"typo"},"spec":{"config":{"maxmemory":"lots"}}})");
  EXPECT_FALSE(refused.ok()) << "the generated schema types config.maxmemory as an integer";
  ASSERT_TRUE(kubectl({"apply", "-f", (dir_.path() / "example-resource.yaml").string()}).ok());
  ASSERT_TRUE(eventually([&] { return get("genredis", "example-genredis", condition("Reconciled", "status")) == "True"; }, kLong))
      << debug();
  const std::string file_path = "worker-1/resources/" + ns() + "/genredis/example-genredis/instance/5058f/redis.yaml";
  ASSERT_TRUE(eventually([&] { return file(file_path).find("size: \"small\"") != std::string::npos; }, 60s)) << file(file_path);
  EXPECT_NE(file("worker-1/dependencies/genredis/5058f/static/genredis-dependencies.yaml").find("genredis-dep"), std::string::npos);
  EXPECT_NE(logs("kratix.io/resource-name=example-genredis", "instance", ns()).find("Hello from example-genredis " + ns()),
            std::string::npos);

  // pave test on the same directory: the same pipeline, locally.
  auto local = base::run({.argv = {PAVE_BINARY, "test", dir_.path().string(), "--kubeconfig", cluster().kubeconfig, "-o", "json"},
                          .timeout = std::chrono::minutes(2)});
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  const Json out = Json::parse(local.out);
  bool found = false;
  for (const Json& f : out["files"]) {
    if (f["path"] == "worker-1/resources/default/genredis/example-genredis/instance/5058f/redis.yaml") {
      found = f["content"].get<std::string>().find("size: \"small\"") != std::string::npos;
    }
  }
  EXPECT_TRUE(found) << out["files"].dump(2);
}

TEST_F(GeneratedPromise, ASplitDirectoryBuildsIntoAPromiseTheWebhooksAdmit) {
  ASSERT_TRUE(pave({"init", "promise", "gensplit", "--group", "split.gen.test", "--kind", "GenSplit", "--split"}).ok());
  ASSERT_TRUE(pave({"update", "api", "--property", "replicas:integer"}).ok());
  ASSERT_TRUE(pave({"add", "container", "resource/configure/instance", "--image", "localhost/pave-pipeline-utility:dev", "--name", "main"}).ok());
  ASSERT_TRUE(pave({"add", "container", "promise/configure/setup", "--image", "localhost/pave-pipeline-utility:dev"}).ok());
  auto built = pave({"build", "promise", "gensplit"});
  ASSERT_TRUE(built.ok()) << built.err;
  EXPECT_EQ(built.err, "No promise.yaml found, assuming --split was used to initialise the Promise\n");
  const Json promise = kube::parse_yaml(built.out).value();
  EXPECT_EQ(promise["spec"]["workflows"]["promise"]["configure"][0]["spec"]["containers"][0]["name"], "localhost-pave-pipeline-utility");
  auto applied = cluster().kubectl({"apply", "-f", "-"}, built.out);
  ASSERT_TRUE(applied.ok()) << applied.err;
  track("gensplit");
  ASSERT_TRUE(eventually([&] { return promise_field("gensplit", "{.status.status}") == "Available"; }, kLong)) << debug();
  EXPECT_EQ(get("crd", "gensplits.split.gen.test", "{.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.replicas.type}"),
            "integer");

  // A pipeline the webhooks refuse stays out: two containers of one name.
  Json broken = promise;
  broken["metadata"]["name"] = "gensplit-broken";
  broken["spec"]["api"]["metadata"]["name"] = "gensplitbrokens.split.gen.test";
  broken["spec"]["api"]["spec"]["names"] = {{"kind", "GenSplitBroken"}, {"plural", "gensplitbrokens"}, {"singular", "gensplitbroken"}};
  broken["spec"]["workflows"]["resource"]["configure"][0]["spec"]["containers"].push_back(
      broken["spec"]["workflows"]["resource"]["configure"][0]["spec"]["containers"][0]);
  auto refused = cluster().kubectl({"apply", "-f", "-"}, broken.dump());
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.err.find("denied the request"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace pave::testing
