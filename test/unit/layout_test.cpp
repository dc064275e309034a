// The three state-store layouts, with the paths of kratix-spec.md 4.3 and its worked example (section 12).
#include "statestore/layout.h"

#include <gtest/gtest.h>

#include "kube/yaml.h"

namespace pave::statestore {
namespace {

const std::string kDefaultGroup = "5058f1af8388633f609cadb75a75dc9d";  // md5(".")

Placement resource_placement() {
  return {.name = "redis-example-instance-configure-abc12.worker-1-5058f", .namespace_ = "default", .promise = "redis",
          .resource = "example", .pipeline = "instance-configure", .group_id = kDefaultGroup,
          .workloads = {{"redis.yaml", "kind: Redis\n"}, {"dest2/cm.yaml", "kind: ConfigMap\n"}}};
}

TEST(Layout, NestedResourcePathsMatchKratix) {
  auto c = placement_change({.name = "worker-1", .path = "worker-1"}, resource_placement());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->placement, "redis-example-instance-configure-abc12.worker-1-5058f");
  ASSERT_EQ(c->replace_directories.size(), 1u);
  EXPECT_EQ(c->replace_directories[0], "worker-1/resources/default/redis/example/instance-configure/5058f");
  ASSERT_EQ(c->files.size(), 2u);
  EXPECT_EQ(c->files[0].path, "worker-1/resources/default/redis/example/instance-configure/5058f/redis.yaml");
  EXPECT_EQ(c->files[1].path, "worker-1/resources/default/redis/example/instance-configure/5058f/dest2/cm.yaml");
}

TEST(Layout, ARequestWhosePipelinesRunElsewhereIsWrittenUnderItsOwnNamespace) {
  // pipelineNamespace: the Work and its placement live in "pipelines"; two requests named "example" in
  // "team-a" and "team-b" must not share a directory there.
  Placement a = resource_placement();
  a.namespace_ = "pipelines";
  a.resource_namespace = "team-a";
  Placement b = a;
  b.resource_namespace = "team-b";
  auto ca = placement_change({.name = "worker-1", .path = "worker-1"}, a);
  auto cb = placement_change({.name = "worker-1", .path = "worker-1"}, b);
  ASSERT_TRUE(ca.has_value() && cb.has_value());
  EXPECT_EQ(ca->replace_directories[0], "worker-1/resources/team-a/redis/example/instance-configure/5058f");
  EXPECT_EQ(cb->replace_directories[0], "worker-1/resources/team-b/redis/example/instance-configure/5058f");
  a.resource_namespace = "..";
  EXPECT_FALSE(placement_change({.name = "worker-1", .path = "worker-1"}, a).has_value()) << "a path segment like any other";
}

TEST(Layout, NestedDependencyAndStaticDependencyPaths) {
  Placement dep{.name = "redis-promise-configure-x.worker-1-5058f", .namespace_ = "kratix-platform-system",
                .promise = "redis", .pipeline = "promise-configure", .group_id = kDefaultGroup,
                .workloads = {{"operator.yaml", "x"}}};
  auto c = placement_change({.path = "worker-1"}, dep);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->files[0].path, "worker-1/dependencies/redis/promise-configure/5058f/operator.yaml");
  dep.pipeline.clear();
  dep.workloads = {{"static/redis-dependencies.yaml", "x"}};
  auto s = placement_change({.path = "worker-1"}, dep);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->files[0].path, "worker-1/dependencies/redis/5058f/static/redis-dependencies.yaml");
}

TEST(Layout, NoneNeverWritesAStateFileAsAWorkload) {
  // A workload naming another WorkPlacement's state file would make Pave delete that one's files.
  DestinationLayout d{.path = "flat", .mode = FilepathMode::kNone};
  Placement p = resource_placement();
  for (const std::string path : {".kratix/default-other.yaml", "./.kratix/x.yaml", ".kratix"}) {
    p.workloads = {{path, "files: [flat/victim.yaml]\n"}};
    auto c = placement_change(d, p);
    ASSERT_FALSE(c.has_value()) << path;
    EXPECT_NE(c.error().message.find("is in .kratix"), std::string::npos) << c.error().message;
  }
  p.workloads = {{"config/.kratix-like.yaml", "x"}};
  EXPECT_TRUE(placement_change(d, p).has_value()) << "only the state directory itself is reserved";
}

TEST(Layout, NoneDeletesOnlyWhatItsStateFileMayHaveWritten) {
  DestinationLayout d{.path = "flat", .mode = FilepathMode::kNone};
  Placement p = resource_placement();
  p.workloads = {{"kept.yaml", "x"}};
  const std::string forged = kube::to_yaml(
      {{"files", {"flat/gone.yaml", "other-destination/theirs.yaml", "flat/.kratix/default-other.yaml", "../escape.yaml"}}});
  auto c = placement_change(d, p, forged);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->remove_files, std::vector<std::string>{"flat/gone.yaml"})
      << "another Destination's files, state files and escaping paths are not this placement's to delete";
}

TEST(Layout, RootDestinationPaths) {
  for (const std::string root : {".", "/", ""}) {
    auto c = placement_change({.path = root}, resource_placement());
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->files[0].path, "resources/default/redis/example/instance-configure/5058f/redis.yaml") << root;
  }
}

TEST(Layout, NoneWritesFlatFilesAndAStateFileAndRemovesWhatItNoLongerWrites) {
  DestinationLayout d{.path = "flat", .mode = FilepathMode::kNone};
  Placement p = resource_placement();
  auto c = placement_change(d, p, kube::to_yaml({{"files", {"flat/redis.yaml", "flat/old.yaml"}}}));
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_TRUE(c->replace_directories.empty());
  EXPECT_EQ(c->files[0].path, "flat/redis.yaml");
  EXPECT_EQ(c->files[1].path, "flat/dest2/cm.yaml");
  EXPECT_EQ(c->files[2].path, "flat/.kratix/default-redis-example-instance-configure-abc12.worker-1-5058f.yaml");
  EXPECT_EQ(kube::parse_yaml(c->files[2].content).value()["files"],
            (kube::Json{"flat/redis.yaml", "flat/dest2/cm.yaml"}));
  EXPECT_EQ(c->remove_files, (std::vector<std::string>{"flat/old.yaml"}));
  EXPECT_EQ(state_file_path({.path = "/flat/", .mode = FilepathMode::kNone}, p).value(), c->files[2].path)
      << "the reconciler reads the state file where the layout writes it, however the path is spelled";

  auto gone = placement_removal(d, p, c->files[2].content);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->remove_files, (std::vector<std::string>{"flat/redis.yaml", "flat/dest2/cm.yaml", c->files[2].path}));
}

TEST(Layout, NoneLeavesAFileAnotherPlacementOwnsOrNamesAlone) {
  DestinationLayout d{.path = "flat", .mode = FilepathMode::kNone};
  Placement p = resource_placement();  // names flat/redis.yaml and flat/dest2/cm.yaml
  EXPECT_EQ(none_layout_paths(d, {"redis.yaml", "./dest2/cm.yaml"}).value(),
            (std::vector<std::string>{"flat/redis.yaml", "flat/dest2/cm.yaml"}));
  EXPECT_FALSE(none_layout_paths(d, {"../out.yaml"}).has_value());

  // flat/redis.yaml is owned by a placement sorting first; flat/old.yaml, which this one wrote before, is
  // now named by another.
  const OtherPlacements others{.owned = {"flat/redis.yaml"}, .named = {"flat/redis.yaml", "flat/old.yaml"}};
  auto c = placement_change(d, p, kube::to_yaml({{"files", {"flat/redis.yaml", "flat/old.yaml", "flat/gone.yaml"}}}), others);
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  ASSERT_EQ(c->files.size(), 2u);
  EXPECT_EQ(c->files[0].path, "flat/dest2/cm.yaml") << "the owner writes flat/redis.yaml, not this one";
  EXPECT_EQ(kube::parse_yaml(c->files[1].content).value()["files"], (kube::Json{"flat/dest2/cm.yaml"}))
      << "and this one does not list it, so its going never deletes it";
  EXPECT_EQ(c->remove_files, (std::vector<std::string>{"flat/gone.yaml"})) << "files others name are not removed";

  // Going, it leaves what another live placement names for that one to write.
  auto gone = placement_removal(d, p, kube::to_yaml({{"files", {"flat/redis.yaml", "flat/dest2/cm.yaml"}}}),
                                {.named = {"flat/redis.yaml"}});
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->remove_files, (std::vector<std::string>{"flat/dest2/cm.yaml", c->files[1].path}));
}

TEST(Layout, AggregatedYamlJoinsEveryPlacementSortedByName) {
  DestinationLayout d{.path = "agg", .mode = FilepathMode::kAggregatedYAML};
  Placement b{.name = "b", .workloads = {{"x", "kind: B"}}};
  Placement a{.name = "a", .workloads = {{"x", "kind: A1"}, {"y", "kind: A2"}}};
  auto c = aggregated_change(d, {b, a}, "b");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->files.size(), 1u);
  EXPECT_EQ(c->files[0].path, "agg/aggregated.yaml");
  EXPECT_EQ(c->files[0].content, "kind: A1\n---\nkind: A2\n---\nkind: B");
  auto empty = aggregated_change(d, {}, "b");
  EXPECT_EQ(empty->remove_files, (std::vector<std::string>{"agg/aggregated.yaml"}));
}

TEST(Layout, CanaryFiles) {
  auto nested = canary_change({.path = "worker-1"}, true);
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->placement, "kratix-canary");
  EXPECT_EQ(canary_change({.name = "worker-1", .path = "worker-1"}, true)->key, "kratix-canary/worker-1")
      << "one name in commit messages, one key per Destination: two canaries waiting together are both written";
  EXPECT_EQ(nested->files[0].path, "worker-1/dependencies/kratix-canary-namespace.yaml");
  EXPECT_EQ(nested->files[1].path, "worker-1/resources/kratix-canary-configmap.yaml");
  auto cm = kube::parse_yaml(nested->files[1].content).value();
  EXPECT_EQ(cm["data"]["canary"], "this confirms your infrastructure is reading from Kratix state stores");
  EXPECT_EQ(cm["metadata"]["namespace"], "kratix-worker-system");
  auto flat = canary_change({.path = "w", .mode = FilepathMode::kNone}, false);
  EXPECT_EQ(flat->remove_files, (std::vector<std::string>{"w/kratix-canary-namespace.yaml", "w/kratix-canary-configmap.yaml"}));
}

// The bytes Kratix writes (kratix-spec.md 4.3), so a move from Kratix to Pave rewrites no file.
TEST(Layout, CanaryAndStateFilesAreKratixsBytes) {
  auto nested = canary_change({.path = "worker-1"}, true);
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->files[0].content,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kratix-worker-system\nspec: {}\nstatus: {}\n");
  EXPECT_EQ(nested->files[1].content,
            "apiVersion: v1\ndata:\n  canary: this confirms your infrastructure is reading from Kratix state stores\n"
            "kind: ConfigMap\nmetadata:\n  name: kratix-info\n  namespace: kratix-worker-system\n");
  Placement p = resource_placement();
  p.workloads = {{"a.yaml", "kind: A"}, {"sub/b.yaml", "kind: B"}};
  auto none = placement_change({.path = "worker-1", .mode = FilepathMode::kNone}, p);
  ASSERT_TRUE(none.has_value());
  const auto& state = none->files.back();
  EXPECT_TRUE(state.path.starts_with("worker-1/.kratix/")) << state.path;
  EXPECT_EQ(state.content, "files:\n- worker-1/a.yaml\n- worker-1/sub/b.yaml\n");
}

TEST(Layout, NamesThatWouldLeaveTheDestinationAreRefused) {
  auto bad = [](auto mutate) {
    Placement p = resource_placement();
    mutate(p);
    auto c = placement_change({.path = "worker-1"}, p);
    return !c.has_value() && c.error().kind == kube::ErrorKind::kInvalid;
  };
  EXPECT_TRUE(bad([](Placement& p) { p.resource = ".."; }));
  EXPECT_TRUE(bad([](Placement& p) { p.namespace_ = "a/b"; }));
  EXPECT_TRUE(bad([](Placement& p) { p.promise = "../../other"; }));
  EXPECT_TRUE(bad([](Placement& p) { p.pipeline = "."; }));
  EXPECT_TRUE(bad([](Placement& p) { p.workloads = {{"../../../etc/passwd", "x"}}; }));
  EXPECT_TRUE(bad([](Placement& p) { p.workloads = {{"/abs.yaml", "x"}}; }));
  EXPECT_FALSE(placement_change({.path = "../up"}, resource_placement()).has_value());
}

TEST(Layout, FilepathModes) {
  EXPECT_EQ(parse_filepath_mode("nestedByMetadata"), FilepathMode::kNestedByMetadata);
  EXPECT_EQ(parse_filepath_mode(""), FilepathMode::kNestedByMetadata) << "the CRD default";
  EXPECT_EQ(parse_filepath_mode("aggregatedYAML"), FilepathMode::kAggregatedYAML);
  EXPECT_EQ(parse_filepath_mode("none"), FilepathMode::kNone);
  EXPECT_EQ(parse_filepath_mode("flat"), std::nullopt);
}

TEST(WorkloadContent, GzipBase64RoundTripsAndBadInputIsAnError) {
  const std::string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
  EXPECT_EQ(decode_workload_content(encode_workload_content(yaml)).value(), yaml);
  // Produced by: printf 'hello\n' | gzip -n | base64
  EXPECT_EQ(decode_workload_content("H4sIAAAAAAAAA8tIzcnJ5wIAIDA6NgYAAAA=").value(), "hello\n");
  EXPECT_FALSE(decode_workload_content("not base64 !!").has_value());
  EXPECT_FALSE(decode_workload_content("aGVsbG8=").has_value()) << "base64 of plain text is not gzip";
  EXPECT_EQ(decode_workload_content("aGVsbG8=").error().message, "workload content is not gzip");
}

TEST(WorkloadContent, AGzipBombIsRefusedBeforeItFillsMemory) {
  // 80 MiB of zeros compress to some 80 KB: more than a workload may decompress to.
  const std::string bomb = encode_workload_content(std::string(80u << 20, '\0'));
  ASSERT_LT(bomb.size(), 200000u);
  auto decoded = decode_workload_content(bomb);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().message, "workload content is larger than 67108864 bytes");
  EXPECT_TRUE(decode_workload_content(encode_workload_content(std::string(1u << 20, 'x'))).has_value());
}

}  // namespace
}  // namespace pave::statestore
