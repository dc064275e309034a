// The work-writer (kratix-spec.md 3.5, 1.8), after Kratix's work-creator/lib/work_creator_test.go: the
// Work built from sample pipeline directories made here, with Kratix's names, labels and messages.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "adapter/destination_selectors.h"
#include "adapter/work_creator.h"
#include "base/temp_dir.h"
#include "api/naming.h"
#include "statestore/layout.h"

namespace pave::adapter {
namespace {

namespace fs = std::filesystem;
using kube::Json;

constexpr const char* kCreatedAt = "2026-11-25T10:00:00Z";

// A pipeline's /work-creator-files: input/ (the output tree), metadata/, kratix-system/.
class Pipeline {
 public:
  Pipeline() : dir_(base::TempDir::create("pave-work-creator").value()) {}
  const fs::path& root() const { return dir_.path(); }

  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((root() / relative).parent_path());
    std::ofstream(root() / relative) << text;
  }

  // Kratix's samples/complete: files at the top, in foo/ and in the scheduled directory baz/.
  void complete() const {
    write("input/baz/baz-namespace-resource-request.yaml", "kind: Namespace\nmetadata: {name: baz}\n");
    write("input/configmap.yaml", "kind: ConfigMap\n");
    write("input/foo/bar/namespace-resource-request.yaml", "kind: Namespace\nmetadata: {name: bar}\n");
    write("input/foo/multi-resource-requests.yaml", "kind: A\n---\nkind: B\n");
    write("metadata/destination-selectors.yaml",
          "- matchLabels:\n    environment: production\n    region: europe\n"
          "- matchLabels:\n    environment: staging\n  directory: baz/\n");
    write("kratix-system/promise-scheduling",
          "- matchLabels:\n    environment: dev\n  source: promise\n"
          "- matchLabels:\n    workflow: label\n  source: promise-workflow\n");
  }

  WorkCreatorOptions resource_options() const {
    return {.input_directory = root().string(), .promise_name = "promise-name", .pipeline_name = "configure-job",
            .namespace_ = "default", .workflow_type = "resource", .resource_name = "resource-name"};
  }

 private:
  base::TempDir dir_;
};

Json build(const WorkCreatorOptions& options) {
  auto work = build_work(options, kCreatedAt);
  EXPECT_TRUE(work.has_value()) << work.error().message;
  EXPECT_TRUE(work.has_value() && work->has_value()) << "the Work was suppressed";
  return work.has_value() && work->has_value() ? **work : Json();
}

std::string build_error(const WorkCreatorOptions& options) {
  auto work = build_work(options, kCreatedAt);
  EXPECT_FALSE(work.has_value());
  return work.has_value() ? "" : work.error().message;
}

std::vector<std::string> filepaths(const Json& group) {
  std::vector<std::string> out;
  for (const auto& w : group["workloads"]) out.push_back(w["filepath"]);
  return out;
}

Json selector(const Json& labels, const std::string& source) { return {{"matchLabels", labels}, {"source", source}}; }

TEST(WorkCreator, NamesAndLabelsTheWorkOfAResourceRequest) {
  Pipeline p;
  p.complete();
  const Json work = build(p.resource_options());
  EXPECT_EQ(work["apiVersion"], "platform.kratix.io/v1alpha1");
  EXPECT_EQ(work["kind"], "Work");
  EXPECT_TRUE(std::regex_match(work["metadata"]["name"].get<std::string>(),
                               std::regex("promise-name-resource-name-configure-job-[0-9a-f]{5}")))
      << work["metadata"]["name"];
  EXPECT_EQ(work["metadata"]["namespace"], "default");
  EXPECT_EQ(work["metadata"]["labels"], Json({{"kratix.io/promise-name", "promise-name"},
                                              {"kratix.io/resource-name", "resource-name"},
                                              {"kratix.io/pipeline-name", "configure-job"},
                                              {"kratix.io/work-type", "resource"}}));
  EXPECT_EQ(work["spec"]["promiseName"], "promise-name");
  EXPECT_EQ(work["spec"]["resourceName"], "resource-name");
  EXPECT_EQ(work["spec"]["lastExecutionTimestamp"], kCreatedAt);
}

TEST(WorkCreator, GroupsWorkloadsByDirectoryWithTheirSelectors) {
  Pipeline p;
  p.complete();
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  ASSERT_EQ(groups.size(), 2u);

  EXPECT_EQ(groups[0]["directory"], "baz");
  EXPECT_EQ(groups[0]["id"], api::md5_hex("baz"));
  EXPECT_EQ(filepaths(groups[0]), std::vector<std::string>{"baz/baz-namespace-resource-request.yaml"});
  EXPECT_EQ(groups[0]["destinationSelectors"], Json::array({selector({{"environment", "staging"}}, "resource-workflow")}));

  EXPECT_EQ(groups[1]["directory"], ".");
  EXPECT_EQ(groups[1]["id"], "5058f1af8388633f609cadb75a75dc9d");
  EXPECT_EQ(filepaths(groups[1]), (std::vector<std::string>{"configmap.yaml", "foo/bar/namespace-resource-request.yaml",
                                                            "foo/multi-resource-requests.yaml"}));
  EXPECT_EQ(groups[1]["destinationSelectors"],
            Json::array({selector({{"environment", "production"}, {"region", "europe"}}, "resource-workflow"),
                         selector({{"workflow", "label"}}, "promise-workflow"),
                         selector({{"environment", "dev"}}, "promise")}));
}

TEST(WorkCreator, WorkloadContentIsGzipThenBase64) {
  Pipeline p;
  p.complete();
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  for (const auto& group : groups) {
    for (const auto& w : group["workloads"]) {
      auto content = statestore::decode_workload_content(w["content"]);
      ASSERT_TRUE(content.has_value()) << w["filepath"];
      std::ifstream in(p.root() / "input" / w["filepath"].get<std::string>());
      EXPECT_EQ(*content, std::string(std::istreambuf_iterator<char>(in), {})) << w["filepath"];
    }
  }
}

TEST(WorkCreator, APromiseWorkGoesToThePlatformNamespace) {
  Pipeline p;
  p.write("input/baz/baz-namespace-resource-request.yaml", "kind: Namespace\n");
  p.write("input/dependency.yaml", "kind: Deployment\n");
  p.write("metadata/destination-selectors.yaml",
          "- matchLabels: {environment: staging}\n  directory: baz\n"
          "- matchLabels: {environment: production, region: europe}\n");
  p.write("kratix-system/promise-scheduling", "- matchLabels: {environment: dev}\n  source: promise\n");
  const Json work = build({.input_directory = p.root().string(), .promise_name = "promise-name",
                           .pipeline_name = "configure-job", .namespace_ = "", .workflow_type = "promise"});
  EXPECT_TRUE(std::regex_match(work["metadata"]["name"].get<std::string>(),
                               std::regex("promise-name-configure-job-[0-9a-f]{5}")));
  EXPECT_EQ(work["metadata"]["namespace"], "kratix-platform-system");
  EXPECT_EQ(work["metadata"]["labels"], Json({{"kratix.io/promise-name", "promise-name"},
                                              {"kratix.io/pipeline-name", "configure-job"},
                                              {"kratix.io/work-type", "promise"}}));
  EXPECT_FALSE(work["spec"].contains("resourceName"));
  const Json& groups = work["spec"]["workloadGroups"];
  EXPECT_EQ(groups[0]["destinationSelectors"], Json::array({selector({{"environment", "staging"}}, "promise-workflow")}));
  EXPECT_EQ(groups[1]["destinationSelectors"],
            Json::array({selector({{"environment", "production"}, {"region", "europe"}}, "promise-workflow"),
                         selector({{"environment", "dev"}}, "promise")}));
}

TEST(WorkCreator, WithoutMetadataOnlyThePromiseSelectorsApply) {
  Pipeline p;
  p.write("input/multi-resource-requests.yaml", "kind: A\n");
  p.write("kratix-system/promise-scheduling", "- matchLabels:\n    environment: dev\n  source: promise\n");
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["destinationSelectors"], Json::array({selector({{"environment", "dev"}}, "promise")}));
}

TEST(WorkCreator, AnEmptyDefaultGroupIsLeftOut) {
  Pipeline p;
  p.write("input/baz/baz-namespace-resource-request.yaml", "kind: Namespace\n");
  p.write("metadata/destination-selectors.yaml", "- matchLabels: {environment: staging}\n  directory: baz\n");
  p.write("kratix-system/promise-scheduling", "- matchLabels: {environment: dev}\n  source: promise\n");
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["directory"], "baz");
  EXPECT_EQ(groups[0]["destinationSelectors"], Json::array({selector({{"environment", "staging"}}, "resource-workflow")}));
}

TEST(WorkCreator, NoOutputAtAllIsAWorkWithoutGroups) {
  Pipeline p;
  fs::create_directories(p.root() / "input");
  EXPECT_EQ(build(p.resource_options())["spec"]["workloadGroups"], Json::array());
}

TEST(WorkCreator, AResourceNamespaceOtherThanTheWorksIsInTheNameAndLabels) {
  Pipeline p;
  p.complete();
  auto options = p.resource_options();
  options.resource_namespace = "my-a-team";
  const Json work = build(options);
  EXPECT_TRUE(std::regex_match(work["metadata"]["name"].get<std::string>(),
                               std::regex("promise-name-resource-name-my-a-team-configure-job-[0-9a-f]{5}")))
      << work["metadata"]["name"];
  EXPECT_EQ(work["metadata"]["labels"]["kratix.io/resource-namespace"], "my-a-team");

  options.resource_namespace = "default";  // the Work's own namespace: nothing to tell apart
  const Json same = build(options);
  EXPECT_TRUE(std::regex_match(same["metadata"]["name"].get<std::string>(),
                               std::regex("promise-name-resource-name-configure-job-[0-9a-f]{5}")));
  EXPECT_FALSE(same["metadata"]["labels"].contains("kratix.io/resource-namespace"));
}

TEST(WorkCreator, AnEmptyNamespaceMeansThePlatformNamespace) {
  Pipeline p;
  p.complete();
  auto options = p.resource_options();
  options.namespace_ = "";
  EXPECT_EQ(build(options)["metadata"]["namespace"], "kratix-platform-system");
}

TEST(WorkCreator, LongIdentifiersAreCutToFitAName) {
  Pipeline p;
  p.complete();
  auto options = p.resource_options();
  options.resource_name = std::string(60, 'r');
  const std::string name = build(options)["metadata"]["name"];
  EXPECT_LE(name.size(), 62u);
  EXPECT_TRUE(name.starts_with("promise-name-rrrr")) << name;
}

TEST(WorkCreator, WorkflowControlSuppressesTheWork) {
  for (const char* control : {"suspend: true\n", "retryAfter: 10m\nmessage: waiting for approval\n",
                              "suspend: yes\n", "retryAfter: not-a-duration\n"}) {
    SCOPED_TRACE(control);
    Pipeline p;
    p.complete();
    p.write("metadata/workflow-control.yaml", control);
    auto work = build_work(p.resource_options(), kCreatedAt);
    ASSERT_TRUE(work.has_value()) << work.error().message;
    EXPECT_FALSE(work->has_value());
  }
  Pipeline p;
  p.complete();
  p.write("metadata/workflow-control.yaml", "suspend: false\nmessage: carry on\n");
  EXPECT_FALSE(build(p.resource_options()).is_null());
}

TEST(WorkCreator, AnUnreadableWorkflowControlFileFailsThePipeline) {
  Pipeline p;
  p.complete();
  p.write("metadata/workflow-control.yaml", "suspend: \"true\"\n");
  EXPECT_EQ(build_error(p.resource_options()),
            "failed to unmarshal the workflow control file: \"" + (p.root() / "metadata/workflow-control.yaml").string() +
                "\" with error: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go "
                "struct field WorkflowControl.suspend of type bool");
}

// Destination selectors are read as Kratix reads them: YAML as kubectl reads it, into strings.
TEST(WorkCreator, SelectorValuesAreReadAsKubernetesReadsThem) {
  Pipeline p;
  p.write("input/a.yaml", "kind: A\n");
  p.write("metadata/destination-selectors.yaml", "- matchLabels: {gpu: yes, zone: 1, on: off, ratio: 0.5, id: 0x10}\n");
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  EXPECT_EQ(groups[0]["destinationSelectors"][0]["matchLabels"],
            Json({{"gpu", "true"}, {"zone", "1"}, {"true", "false"}, {"ratio", "0.5"}, {"id", "16"}}));
}

TEST(WorkCreator, PromiseSelectorsAreSquashedWithEarlierEntriesWinning) {
  Pipeline p;
  p.write("input/a.yaml", "kind: A\n");
  p.write("kratix-system/promise-scheduling",
          "- matchLabels: {environment: dev}\n  source: promise\n"
          "- matchLabels: {environment: prod, region: eu}\n  source: promise\n"
          "- matchLabels: {ignored: yes}\n  source: elsewhere\n");
  const Json groups = build(p.resource_options())["spec"]["workloadGroups"];
  EXPECT_EQ(groups[0]["destinationSelectors"],
            Json::array({selector({{"environment", "dev"}, {"region", "eu"}}, "promise")}));
  EXPECT_EQ(squash({{{"a", "1"}}, {{"a", "2"}, {"b", "2"}}}), (Labels{{"a", "1"}, {"b", "2"}}));
}

TEST(WorkCreator, RefusesSymbolicLinksInTheOutput) {
  Pipeline p;
  p.complete();
  fs::create_symlink("/etc/hostname", p.root() / "input/foo/hostname");
  EXPECT_EQ(build_error(p.resource_options()),
            "pipeline output foo/hostname is a symbolic link; only regular files and directories are turned into "
            "workloads");

  Pipeline dangling;
  dangling.complete();
  fs::create_symlink("../../nowhere", dangling.root() / "input/dangling.yaml");
  EXPECT_EQ(build_error(dangling.resource_options()),
            "pipeline output dangling.yaml is a symbolic link; only regular files and directories are turned into "
            "workloads");
}

TEST(WorkCreator, RefusesALinkedDirectoryAndSpecialFiles) {
  Pipeline p;
  p.write("input/a.yaml", "kind: A\n");
  p.write("metadata/destination-selectors.yaml", "- matchLabels: {env: dev}\n  directory: etc\n");
  fs::create_directory_symlink("/etc", p.root() / "input/etc");
  EXPECT_EQ(build_error(p.resource_options()),
            "pipeline output etc is a symbolic link; only regular files and directories are turned into workloads");

  Pipeline q;
  q.write("input/a.yaml", "kind: A\n");
  ASSERT_EQ(::mkfifo((q.root() / "input/pipe").c_str(), 0600), 0);
  EXPECT_EQ(build_error(q.resource_options()),
            "pipeline output pipe is not a regular file; only regular files and directories are turned into workloads");
}

TEST(WorkCreator, RefusesDirectoriesThatLeaveTheOutput) {
  for (const char* dir : {"..", "../", "/", "foo/../.."}) {
    SCOPED_TRACE(dir);
    Pipeline p;
    p.complete();
    p.write("metadata/destination-selectors.yaml", std::string("- matchLabels: {env: dev}\n  directory: \"") + dir + "\"\n");
    EXPECT_EQ(build_error(p.resource_options()),
              std::string("invalid directory in destination-selectors.yaml: ") + (dir[0] == '/' ? "/" : "..") +
                  ", directories must be inside the pipeline's output directory");
  }
  Pipeline p;
  p.complete();
  p.write("metadata/destination-selectors.yaml", "- matchLabels: {env: dev}\n  directory: ../etc\n");
  EXPECT_EQ(build_error(p.resource_options()),
            "invalid directory in destination-selectors.yaml: ../etc, sub-directories are not allowed");
}

TEST(WorkCreator, ADirectoryNamedInSelectorsMustExist) {
  Pipeline p;
  p.write("input/a.yaml", "kind: A\n");
  p.write("metadata/destination-selectors.yaml", "- matchLabels: {env: dev}\n  directory: missing\n");
  EXPECT_EQ(build_error(p.resource_options()),
            "directory missing named in destination-selectors.yaml is not a directory of the pipeline output");
}

TEST(WorkCreator, ChecksItsFlags) {
  Pipeline p;
  auto options = p.resource_options();
  options.input_directory = "";
  EXPECT_EQ(build_error(options), "must provide --input-directory");
  options = p.resource_options();
  options.promise_name = "";
  EXPECT_EQ(build_error(options), "must provide --promise-name");
  options = p.resource_options();
  options.pipeline_name = "";
  EXPECT_EQ(build_error(options), "must provide --pipeline-name");
  options = p.resource_options();
  options.workflow_type = "dependency";
  EXPECT_EQ(build_error(options), "--workflow-type must be promise or resource, not \"dependency\"");
  options = p.resource_options();
  options.resource_name = "";
  EXPECT_EQ(build_error(options), "must provide --resource-name for a resource workflow");
  EXPECT_EQ(build_error(p.resource_options()), "the pipeline output directory " + (p.root() / "input").string() +
                                                   " does not exist");
}

TEST(WorkCreator, TraceContextBecomesAnnotations) {
  Pipeline p;
  p.complete();
  auto options = p.resource_options();
  options.trace_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  options.trace_state = "example=trace";
  const Json work = build(options);
  EXPECT_EQ(work["metadata"]["annotations"],
            Json({{"kratix.io/trace-parent", options.trace_parent}, {"kratix.io/trace-state", "example=trace"}}));
  EXPECT_FALSE(build(p.resource_options())["metadata"].contains("annotations"));
}

// ---- destination-selectors.yaml, with Kratix's table of error cases ----

std::string selectors_error(const std::string& yaml) {
  auto parsed = parse_destination_selectors(yaml);
  EXPECT_FALSE(parsed.has_value()) << yaml;
  return parsed.has_value() ? "" : parsed.error().message;
}

TEST(DestinationSelectors, ParsesAValidList) {
  auto parsed = parse_destination_selectors(R"([{"matchLabels":{"env": "dev"}}])");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].match_labels.at("env"), "dev");
  EXPECT_EQ((*parsed)[0].directory, ".");
  EXPECT_TRUE(parse_destination_selectors("").value().empty());
}

TEST(DestinationSelectors, KratixsErrorCases) {
  EXPECT_EQ(selectors_error("invalid-key: invalid-value"),
            "invalid destination-selectors.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            "object into Go value of type []v1alpha1.WorkflowDestinationSelectors");
  EXPECT_EQ(selectors_error("- matchLabels:\n    env: dev\n  directory: \"bar\"\n- matchLabels:\n  env: prod"),
            "invalid destination-selectors.yaml: entry with index 1 has no selectors");
  EXPECT_EQ(selectors_error("- matchLabels:\n    environment: production\n    region: europe\n- matchLabels:\n    "
                            "environment: staging\n  directory: baz/\n- matchLabels:\n    pci: true\n  directory: baz/\n"),
            "duplicate entries in destination-selectors.yaml: \n[{map[environment:production region:europe] .} "
            "{map[environment:staging] baz} {map[pci:true] baz}]");
  EXPECT_TRUE(selectors_error("- matchLabels:\n    environment: production\n  directory: foo/\n- matchLabels:\n    "
                              "environment: staging\n  directory: foo\n")
                  .starts_with("duplicate entries in destination-selectors.yaml"));
  EXPECT_TRUE(selectors_error("- matchLabels:\n    environment: production\n    region: europe\n- matchLabels:\n    "
                              "environment: staging\n")
                  .starts_with("duplicate entries in destination-selectors.yaml"));
  EXPECT_EQ(selectors_error("- matchLabels:\n    environment: production\n    region: europe\n- matchLabels:\n    "
                            "environment: staging\n  directory: foo/bar\n"),
            "invalid directory in destination-selectors.yaml: foo/bar, sub-directories are not allowed");
  EXPECT_EQ(selectors_error("- matchLabels: {env: {nested: map}}\n"),
            "invalid destination-selectors.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            "object into Go struct field WorkflowDestinationSelectors.matchLabels of type string");
  EXPECT_TRUE(selectors_error("- [unclosed\n").starts_with("invalid destination-selectors.yaml: invalid YAML"));
}

TEST(DestinationSelectors, DirectoriesArePathCleaned) {
  auto parsed = parse_destination_selectors("- {matchLabels: {a: b}, directory: ./baz//}\n- {matchLabels: {a: c}, directory: ''}\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].directory, "baz");
  EXPECT_EQ((*parsed)[1].directory, ".");
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("a//b/./c/.."), "a/b");
  EXPECT_EQ(clean_path("/../x"), "/x");
  EXPECT_EQ(clean_path("../../x/"), "../../x");
  EXPECT_EQ(clean_path("x/../.."), "..");
}

}  // namespace
}  // namespace pave::adapter
