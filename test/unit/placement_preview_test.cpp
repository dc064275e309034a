// Where pave test says Works land (localtest/placement_preview.h): the scheduler's rules, the layouts'
// paths, and the conditions the Works and the request would end with. Pure: no cluster, no containers.
#include "localtest/placement_preview.h"

#include <gtest/gtest.h>

#include "base/compression.h"
#include "kube/yaml.h"

namespace pave::localtest {
namespace {

using kube::Json;

Json destination(const std::string& name, Json labels, const std::string& mode = "nestedByMetadata") {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Destination"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"path", name}, {"filepath", {{"mode", mode}}}, {"stateStoreRef", {{"kind", "GitStateStore"}, {"name", "s"}}}}}};
}

Json group(const std::string& directory, const std::string& id, Json selector, const std::string& file) {
  return {{"id", id}, {"directory", directory},
          {"workloads", Json::array({{{"filepath", file}, {"content", base::gzip_base64("kind: ConfigMap\n")}}})},
          {"destinationSelectors", Json::array({{{"matchLabels", selector}, {"source", "promise"}}})}};
}

Json resource_work(const std::string& name, Json groups) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Work"},
          {"metadata", {{"name", name}, {"namespace", "team-a"},
                        {"labels", {{"kratix.io/pipeline-name", "build"}, {"kratix.io/work-type", "resource"}}}}},
          {"spec", {{"promiseName", "redis"}, {"resourceName", "cache"}, {"workloadGroups", groups}}}};
}

// The condition of a type; an empty object (whose fields compare unequal to anything) when there is none.
Json condition(const Json& status, const std::string& type) {
  for (const Json& c : status["conditions"]) if (c["type"] == type) return c;
  ADD_FAILURE() << "no condition " << type << " in " << status.dump();
  return Json::object();
}

TEST(PlacementPreview, ARequestsGroupGoesToOneOfItsCandidatesAndSaysSo) {
  auto preview = preview_placements({resource_work("w", Json::array({group(".", "5058f1af", {{"env", "dev"}}, "cm.yaml")}))},
                                    {destination("b", {{"env", "dev"}}), destination("a", {{"env", "dev"}}), destination("c", {{"env", "prod"}})}, {});
  ASSERT_EQ(preview.groups.size(), 1u);
  EXPECT_EQ(preview.groups[0].candidates, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(preview.groups[0].destinations, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(preview.groups[0].one_of);
  ASSERT_EQ(preview.files.size(), 1u);
  EXPECT_EQ(preview.files[0].path, "a/resources/team-a/redis/cache/build/5058f/cm.yaml");
  EXPECT_EQ(preview.files[0].content, "kind: ConfigMap\n");
  EXPECT_EQ(preview.files[0].store, "GitStateStore/s");
  EXPECT_EQ(condition(preview.work_status["w"], "Ready")["status"], "True");
}

TEST(PlacementPreview, AGroupNoDestinationMatchesLeavesTheWorkPendingAndTheRequestNotReconciled) {
  auto preview = preview_placements({resource_work("w", Json::array({group(".", "5058f1af", {{"env", "dev"}}, "a.yaml"),
                                                                     group("x", "9a9a9a9a", {{"env", "qa"}}, "x/b.yaml")}))},
                                    {destination("dev-1", {{"env", "dev"}})}, {});
  const Json& status = preview.work_status["w"];
  EXPECT_EQ(condition(status, "Ready")["message"], "Pending");
  EXPECT_EQ(condition(status, "ScheduleSucceeded")["message"], "No matching destination found for workloadGroups: [9a9a9a9a]");
  EXPECT_EQ(status["workPlacementsCreated"], 1);

  LocalTestRun run;
  run.promise.object = {{"metadata", {{"name", "redis"}, {"labels", {{"kratix.io/promise-version", "v2"}}}}}};
  run.request = WorkflowResult{.type = "resource",
                               .object = {{"metadata", {{"name", "cache"}, {"generation", 1}}}, {"status", Json::object()}},
                               .works = {resource_work("w", Json::array())}};
  finish_statuses(run, preview);
  const Json& rs = run.request->object["status"];
  EXPECT_EQ(condition(rs, "WorksSucceeded")["status"], "Unknown");
  EXPECT_EQ(condition(rs, "Reconciled")["status"], "Unknown");
  EXPECT_EQ(rs["promiseVersion"], "v2");
  EXPECT_EQ(rs["kratix"]["placements"],
            Json::parse(R"([{"work":"w","workloadGroupId":"5058f1af","destination":"dev-1","misplaced":false}])"));
}

TEST(PlacementPreview, AnAggregatedDestinationGetsOneFileAndAStorePathPrefixesEveryPath) {
  const Json store = {{"kind", "GitStateStore"}, {"metadata", {{"name", "s"}}}, {"spec", {{"path", "clusters"}}}};
  auto preview = preview_placements({resource_work("w", Json::array({group(".", "5058f1af", {{"env", "dev"}}, "a.yaml")}))},
                                    {destination("agg", {{"env", "dev"}}, "aggregatedYAML")}, {store});
  ASSERT_EQ(preview.files.size(), 1u) << preview.errors.size();
  EXPECT_EQ(preview.files[0].path, "clusters/agg/aggregated.yaml");
  EXPECT_NE(preview.files[0].content.find("kind: ConfigMap"), std::string::npos);
}

TEST(PlacementPreview, AFilepathLeavingItsDirectoryIsAnErrorNotAFileAndTheWorkFails) {
  Json work = resource_work("w", Json::array({group(".", "5058f1af", {{"env", "dev"}}, "../../escape.yaml")}));
  auto preview = preview_placements({work}, {destination("d", {{"env", "dev"}})}, {});
  EXPECT_TRUE(preview.files.empty());
  ASSERT_FALSE(preview.errors.empty());
  EXPECT_EQ(condition(preview.work_status["w"], "Ready")["message"], "Failing");
  EXPECT_EQ(condition(preview.work_status["w"], "ScheduleSucceeded")["message"],
            "Workplacements failed to write: [w.d-5058f]");
}

}  // namespace
}  // namespace pave::localtest
