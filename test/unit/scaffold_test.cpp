// The promise author's verbs (src/scaffold): the layouts `init promise` and `add container` write, against
// golden directories (test/assets/golden), and what `update api`, `update dependencies`,
// `update destination-selector`, `build promise` and `build container` make of a directory, with Kratix's
// CLI messages (kratix-spec.md 6.5).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/temp_dir.h"
#include "kube/yaml.h"
#include "scaffold/add_container.h"
#include "scaffold/build_container.h"
#include "scaffold/init_promise.h"
#include "scaffold/promise_dir.h"
#include "scaffold/promise_updates.h"

namespace pave::scaffold {
namespace {

namespace fs = std::filesystem;
using kube::Json;

const fs::path kGolden = PAVE_ASSETS_DIR "/golden";

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// Every regular file below dir, by relative path, with its content.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) files[fs::relative(it->path(), dir).string()] = read(it->path());
  }
  return files;
}

Json yaml(const fs::path& file) { return kube::parse_yaml(read(file), kube::YamlReading::kKubectl).value(); }

class Scaffold : public ::testing::Test {
 protected:
  fs::path dir() const { return temp_.path(); }
  base::TempDir temp_ = base::TempDir::create("scaffold").value();
};

TEST_F(Scaffold, InitPromiseWritesTheGoldenLayout) {
  auto said = init_promise({.name = "redis", .group = "marketplace.kratix.io", .kind = "Redis"}, dir());
  ASSERT_TRUE(said.has_value()) << said.error().message;
  EXPECT_EQ(*said, "redis promise bootstrapped in the " + dir().string() + " directory");
  EXPECT_EQ(tree(dir()), tree(kGolden / "init-promise"));
  const Json promise = yaml(dir() / "promise.yaml");
  EXPECT_EQ(promise["metadata"]["labels"]["kratix.io/promise-version"], "v0.0.1");
  EXPECT_EQ(promise["spec"]["api"]["metadata"]["name"], "rediss.marketplace.kratix.io");
  EXPECT_EQ(yaml(dir() / "example-resource.yaml"),
            Json::parse(R"({"apiVersion":"marketplace.kratix.io/v1alpha1","kind":"Redis","metadata":{"name":"example-redis"}})"));
  const fs::path cwd = fs::current_path();
  fs::create_directories(dir() / "here");
  fs::current_path(dir() / "here");
  EXPECT_EQ(init_promise({.name = "x", .group = "g", .kind = "K"}, ".").value_or(""), "x promise bootstrapped in the current directory");
  fs::current_path(cwd);
  EXPECT_TRUE(fs::exists(dir() / "here/promise.yaml"));
}

TEST_F(Scaffold, InitPromiseSplitWritesTheApiAndAnEmptyDependenciesFile) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "marketplace.kratix.io", .kind = "Redis", .version = "v1beta1",
                            .plural = "redises", .split = true}, dir()));
  EXPECT_EQ(tree(dir()), tree(kGolden / "init-promise-split"));
  EXPECT_FALSE(fs::exists(dir() / "promise.yaml"));
  EXPECT_FALSE(fs::exists(dir() / "workflows"));
  EXPECT_EQ(read(dir() / "dependencies.yaml"), "");
  const Json promise = assemble_promise(dir(), "redis").value();
  EXPECT_EQ(promise["spec"]["api"]["spec"]["names"]["plural"], "redises");
  EXPECT_FALSE(promise["spec"].contains("dependencies"));
}

TEST_F(Scaffold, InitPromiseNeedsAGroupAndAKind) {
  auto refused = init_promise_files({.name = "redis", .kind = "Redis"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message, "--group is required");
}

TEST_F(Scaffold, AddContainerWritesTheGoldenScaffoldsAndAppendsToThePipeline) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "marketplace.kratix.io", .kind = "Redis"}, dir()));
  fs::remove(dir() / "README.md");
  fs::remove(dir() / "example-resource.yaml");
  const PipelineRef instance = parse_pipeline_ref("resource/configure/instance").value();
  for (const std::string language : {"bash", "go", "python"}) {
    auto lines = add_container(dir(), {.ref = instance, .image = "ghcr.io/acme/redis-" + language + ":v1.2", .language = language});
    ASSERT_TRUE(lines.has_value()) << lines.error().message;
    EXPECT_EQ(lines->front(), "generated the resource/configure/instance/ghcr-io-acme-redis-" + language + " in " +
                                  (dir() / "promise.yaml").string());
    EXPECT_TRUE(fs::is_directory(dir() / "workflows/resource/configure/instance" / ("ghcr-io-acme-redis-" + language) / "resources"));
  }
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("promise/configure/deps").value(), .image = "acme/deps:v1"}));
  EXPECT_EQ(tree(dir()), tree(kGolden / "add-container"));

  auto again = add_container(dir(), {.ref = instance, .image = "ghcr.io/acme/redis-bash:v2"});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().message, "image 'ghcr-io-acme-redis-bash' already exists in Pipeline 'instance'");
  EXPECT_EQ(tree(dir()), tree(kGolden / "add-container")) << "a refused add changes nothing";
  auto escaping = add_container(dir(), {.ref = instance, .image = "acme/x:v1", .name = "../../outside"});
  ASSERT_FALSE(escaping.has_value());
  EXPECT_EQ(escaping.error().message,
            "invalid container name: ../../outside: must be a DNS label (a-z, 0-9 and '-', at most 63 characters)");
  EXPECT_EQ(tree(dir()), tree(kGolden / "add-container"));
}

TEST_F(Scaffold, AddContainerToASplitPromiseWritesABareListOfPipelines) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis", .split = true}, dir()));
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("resource/configure/instance").value(), .image = "image:latest"}));
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("resource/configure/instance").value(), .image = "project/cleanup:latest"}));
  const Json list = yaml(dir() / "workflows/resource/configure/workflow.yaml");
  EXPECT_EQ(list, Json::parse(R"([{"apiVersion":"platform.kratix.io/v1alpha1","kind":"Pipeline","metadata":{"name":"instance"},
    "spec":{"containers":[{"image":"image:latest","name":"image"},{"image":"project/cleanup:latest","name":"project-cleanup"}]}}])"));
  EXPECT_FALSE(fs::exists(dir() / "promise.yaml"));
  const Json promise = assemble_promise(dir(), "redis").value();
  EXPECT_EQ(promise["spec"]["workflows"]["resource"]["configure"], list);
}

TEST(PipelineRef, RefusesWhatKratixRefuses) {
  auto message = [](const char* arg) { return parse_pipeline_ref(arg).error().message; };
  EXPECT_EQ(message("resource/configure"), "invalid pipeline format: resource/configure, expected format: LIFECYCLE/ACTION/PIPELINE-NAME");
  EXPECT_EQ(message("cluster/configure/x"), "invalid lifecycle: cluster, expected one of: promise, resource");
  EXPECT_EQ(message("resource/update/x"), "invalid action: update, expected one of: configure, delete");
  EXPECT_EQ(message("promise/configure/"), "pipeline name cannot be empty");
  EXPECT_EQ(message("promise/configure/.."),
            "invalid pipeline name: ..: must be a DNS label (a-z, 0-9 and '-', at most 63 characters)");
  EXPECT_EQ(container_files("rust").error().message, "invalid language: rust is not supported by the kratix cli");
}

TEST(ContainerName, ComesFromTheImage) {
  EXPECT_EQ(container_name_for("syntasso/postgres-resource:v1.0.0"), "syntasso-postgres-resource");
  EXPECT_EQ(container_name_for("image:latest"), "image");
  EXPECT_EQ(container_name_for("ghcr.io/a/b:v1"), "ghcr-io-a-b");
  EXPECT_EQ(container_name_for("localhost:5000/x"), "localhost");
  const std::string long_image(70, 'a');
  const std::string name = container_name_for(long_image + ":v1");
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name.substr(0, 56), std::string(55, 'a') + "-");
}

TEST_F(Scaffold, UpdateApiAddsNestedPropertiesAndRemovesThem) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis"}, dir()));
  auto lines = update_api(dir(), {.properties = {"size:string", "config.maxmemory:integer", "config.policy:string", "region-"}});
  ASSERT_TRUE(lines.has_value()) << lines.error().message;
  EXPECT_EQ(*lines, std::vector<std::string>{"Promise api updated"});
  const Json spec = yaml(dir() / "promise.yaml")["spec"]["api"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
  EXPECT_EQ(spec, Json::parse(R"({"type":"object","properties":{"size":{"type":"string"},"config":{"type":"object",
    "properties":{"maxmemory":{"type":"integer"},"policy":{"type":"string"}}}}})")) << "init's default: {} goes";
  ASSERT_TRUE(update_api(dir(), {.properties = {"config.policy-"}}));
  EXPECT_FALSE(yaml(dir() / "promise.yaml")["spec"]["api"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
                   ["properties"]["config"]["properties"].contains("policy"));

  const std::string before = read(dir() / "promise.yaml");
  EXPECT_EQ(update_api(dir(), {.properties = {"tags:array"}}).error().message, "unsupported property type: array");
  EXPECT_EQ(update_api(dir(), {.properties = {"ok:string", "a:b:c"}}).error().message, "invalid property format: a:b:c");
  EXPECT_EQ(read(dir() / "promise.yaml"), before) << "nothing is written when a property fails";
  // As Kratix does, a leaf on the way to a nested property becomes an object; an object-like field that
  // is not of type object is refused.
  ASSERT_TRUE(update_api(dir(), {.properties = {"size.inner:string"}}));
  Json crd = yaml(dir() / "promise.yaml")["spec"]["api"];
  EXPECT_EQ(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"],
            Json::parse(R"({"type":"object","properties":{"inner":{"type":"string"}}})"));
  crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"]["type"] = "string";
  EXPECT_EQ(update_crd(crd, {.properties = {"size.other:string"}}).error().message, "nested field size is not an object");
}

TEST_F(Scaffold, UpdateApiRenamesTheApiAndItsExample) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis", .split = true}, dir()));
  auto lines = update_api(dir(), {.group = "cache.acme.io", .kind = "Cache", .version = "v2"});
  ASSERT_TRUE(lines.has_value()) << lines.error().message;
  EXPECT_EQ(*lines, (std::vector<std::string>{"Example resource updated", "Promise api updated"}));
  const Json crd = yaml(dir() / "api.yaml");
  EXPECT_EQ(crd["metadata"]["name"], "rediss.cache.acme.io");
  EXPECT_EQ(crd["spec"]["names"]["kind"], "Cache");
  EXPECT_EQ(crd["spec"]["names"]["singular"], "cache");
  EXPECT_EQ(crd["spec"]["versions"][0]["name"], "v2");
  const Json example = yaml(dir() / "example-resource.yaml");
  EXPECT_EQ(example["apiVersion"], "cache.acme.io/v2");
  EXPECT_EQ(example["kind"], "Cache");
  EXPECT_EQ(example["metadata"]["name"], "example-redis");
}

TEST_F(Scaffold, UpdateDependenciesFromADirectoryGivesEachObjectANamespace) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis"}, dir()));
  const fs::path deps = dir() / "deps";
  write(deps / "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: team}\n");
  write(deps / "a/ns.yml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n---\n");
  write(deps / "notes.txt", "not a dependency");
  auto lines = update_dependencies(dir(), deps);
  ASSERT_TRUE(lines.has_value()) << lines.error().message;
  EXPECT_EQ(*lines, std::vector<std::string>{"Updated promise.yaml"});
  EXPECT_EQ(yaml(dir() / "promise.yaml")["spec"]["dependencies"], Json::parse(R"([
    {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"one","namespace":"default"}},
    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"two","namespace":"team"}}])"));
  fs::create_directories(dir() / "empty");
  EXPECT_EQ(update_dependencies(dir(), dir() / "empty").error().message,
            "no files found in directory: " + (dir() / "empty").string() + "; nothing to update");
  EXPECT_EQ(update_dependencies(dir(), dir() / "missing").error().message, "failed to stat dependency: " + (dir() / "missing").string());
}

TEST_F(Scaffold, UpdateDependenciesWithAnImageMakesADependenciesWorkflow) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis", .split = true}, dir()));
  write(dir() / "deps/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n");
  auto lines = update_dependencies(dir(), dir() / "deps", "acme/redis-deps:v1");
  ASSERT_TRUE(lines.has_value()) << lines.error().message;
  EXPECT_EQ(lines->at(2), "Dependencies added as a Promise workflow.");
  const fs::path container = dir() / "workflows/promise/configure/dependencies/configure-deps";
  EXPECT_EQ(read(container / "resources/ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n");
  EXPECT_EQ(read(container / "scripts/pipeline.sh"), "#!/usr/bin/env sh\n\ncp /resources/* /kratix/output\n");
  EXPECT_FALSE(fs::exists(dir() / "dependencies.yaml"));
  EXPECT_EQ(yaml(dir() / "workflows/promise/configure/workflow.yaml")[0]["spec"]["containers"],
            Json::parse(R"([{"name":"configure-deps","image":"acme/redis-deps:v1"}])"));
  // Again with another image: the container is replaced, not refused (the directory, without
  // dependencies.yaml now, is still split).
  ASSERT_TRUE(update_dependencies(dir(), dir() / "deps", "acme/redis-deps:v2"));
  EXPECT_EQ(yaml(dir() / "workflows/promise/configure/workflow.yaml")[0]["spec"]["containers"][0]["image"], "acme/redis-deps:v2");
}

TEST(DestinationSelector, SetsAndRemovesLabelsOfTheFirstSelector) {
  Json promise = {{"spec", Json::object()}};
  ASSERT_TRUE(update_selector(promise, "env=dev"));
  ASSERT_TRUE(update_selector(promise, "zone=eu"));
  EXPECT_EQ(promise["spec"]["destinationSelectors"], Json::parse(R"([{"matchLabels":{"env":"dev","zone":"eu"}}])"));
  ASSERT_TRUE(update_selector(promise, "zone-"));
  ASSERT_TRUE(update_selector(promise, "env--"));
  EXPECT_EQ(promise["spec"]["destinationSelectors"], Json::parse(R"([{}])"));
  EXPECT_EQ(update_selector(promise, "a=b=c").error().message, "invalid destination key: a=b=c");
}

TEST_F(Scaffold, BuildContainerPlansTheEngineCommandsKratixRuns) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis"}, dir()));
  const Json empty = assemble_promise(dir()).value();
  EXPECT_EQ(plan_container_builds(dir(), empty, {.all = true}).error().message, "no workflows found");
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("resource/configure/instance").value(), .image = "acme/a:v1"}));
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("resource/configure/instance").value(), .image = "acme/b:v1"}));
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("promise/configure/deps").value(), .image = "acme/deps:v1"}));
  const Json promise = assemble_promise(dir()).value();
  const std::string ctx = (dir() / "workflows/resource/configure/instance/acme-b").string();
  auto one = plan_container_builds(dir(), promise, {.pipeline = "resource/configure/instance", .name = "acme-b",
                                                    .engine = "podman", .build_args = "--platform linux/amd64", .push = true});
  ASSERT_TRUE(one.has_value()) << one.error().message;
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].message, "Building container with tag acme/b:v1...");
  EXPECT_EQ((*one)[0].argv, (std::vector<std::string>{"podman", "build", "--tag", "acme/b:v1", ctx, "--platform", "linux/amd64"}));
  EXPECT_EQ((*one)[1].argv, (std::vector<std::string>{"podman", "push", "acme/b:v1"}));
  auto buildx = plan_container_builds(dir(), promise, {.pipeline = "resource/configure/instance", .name = "acme-b",
                                                       .engine = "docker", .buildx = true, .push = true});
  EXPECT_EQ(buildx->at(0).argv, (std::vector<std::string>{"docker", "buildx", "build", "--tag", "acme/b:v1", ctx, "--push"}));
  EXPECT_EQ(plan_container_builds(dir(), promise, {.pipeline = "resource/configure/instance"}).error().message,
            "more than one container exists for this pipeline, please provide a name with --name");
  EXPECT_EQ(plan_container_builds(dir(), promise, {.pipeline = "resource/configure/other"}).error().message,
            "pipeline resource/configure/other not found");
  EXPECT_EQ(plan_container_builds(dir(), promise, {}).error().message, "expected at least 1 argument");
  auto all = plan_container_builds(dir(), promise, {.all = true, .name = "acme-deps"});
  ASSERT_FALSE(all.has_value()) << "--name applies to every pipeline --all builds";
  fs::remove_all(dir() / "workflows/resource/configure/instance/acme-a");
  auto rest = plan_container_builds(dir(), promise, {.all = true});
  ASSERT_TRUE(rest.has_value()) << rest.error().message;
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->at(0).argv[3], "acme/deps:v1");
  EXPECT_EQ(rest->at(1).argv[3], "acme/b:v1");
}

TEST_F(Scaffold, BuildPromiseAssemblesTheSplitFiles) {
  ASSERT_TRUE(init_promise({.name = "redis", .group = "g.io", .kind = "Redis", .split = true}, dir()));
  write(dir() / "dependencies.yaml", "- apiVersion: v1\n  kind: Namespace\n  metadata: {name: redis-system}\n");
  ASSERT_TRUE(add_container(dir(), {.ref = parse_pipeline_ref("resource/delete/cleanup").value(), .image = "acme/cleanup:v1"}));
  const Json promise = assemble_promise(dir(), "redis").value();
  EXPECT_EQ(promise["apiVersion"], "platform.kratix.io/v1alpha1");
  EXPECT_EQ(promise["kind"], "Promise");
  EXPECT_EQ(promise["metadata"]["name"], "redis");
  EXPECT_EQ(promise["spec"]["api"], yaml(dir() / "api.yaml"));
  EXPECT_EQ(promise["spec"]["dependencies"][0]["metadata"]["name"], "redis-system");
  EXPECT_EQ(promise["spec"]["workflows"]["resource"]["delete"][0]["metadata"]["name"], "cleanup");
  write(dir() / "workflows/promise/configure/workflow.yaml", "kind: [unclosed");
  EXPECT_NE(assemble_promise(dir(), "redis").error().message.find("failed to get promise configure workflow"), std::string::npos);
}

}  // namespace
}  // namespace pave::scaffold
