// Selector semantics of kratix-spec.md 4.1 and 4.2.
#include "platform/scheduler.h"

#include <gtest/gtest.h>

#include "platform/work_reconciler.h"

namespace pave::platform {
namespace {

using kube::Json;

Json group(std::vector<std::pair<std::string, Json>> selectors) {
  Json g = {{"id", "5058f1af8388633f609cadb75a75dc9d"}, {"destinationSelectors", Json::array()}};
  for (auto& [source, labels] : selectors) g["destinationSelectors"].push_back({{"source", source}, {"matchLabels", labels}});
  return g;
}

TEST(Scheduler, PromiseSelectorsWinOverWorkflowSelectors) {
  auto merged = merged_selector(group({{"promise", {{"env", "prod"}}},
                                       {"resource-workflow", {{"env", "dev"}, {"zone", "a"}}},
                                       {"promise-workflow", {{"zone", "b"}, {"tier", "gold"}}}}));
  EXPECT_EQ(merged, (Labels{{"env", "prod"}, {"zone", "b"}, {"tier", "gold"}}));
}

TEST(Scheduler, MatchingFollowsTheDocumentedTable) {
  std::vector<DestinationView> ds = {
      {"dev", {{"env", "dev"}, {"extra", "x"}}},
      {"prod", {{"env", "prod"}}},
      {"bare", {}},
      {"strict", {{"env", "dev"}}, /*strict=*/true},
      {"gone", {{"env", "dev"}}, false, /*deleting=*/true},
      {"sink", {{"kratix.io/dry-run", "true"}}},
  };
  EXPECT_EQ(candidates(ds, {{"env", "dev"}}), (std::vector<std::string>{"dev", "strict"})) << "extra labels are fine";
  EXPECT_EQ(candidates(ds, {}), (std::vector<std::string>{"bare", "dev", "prod"}))
      << "no selector: everything but strict Destinations with labels, deleting ones and dry-run sinks";
  EXPECT_TRUE(candidates(ds, {{"env", "staging"}}).empty());
  EXPECT_FALSE(matches({"bare", {}}, {{"env", "dev"}})) << "a Destination without labels only takes unselected Works";
}

TEST(Scheduler, WorkPlacementNamesFollowKratix) {
  EXPECT_EQ(work_placement_name("redis-example-instance-configure-abc12", "worker-1", "5058f1af8388633f609cadb75a75dc9d"),
            "redis-example-instance-configure-abc12.worker-1-5058f");
}

}  // namespace
}  // namespace pave::platform
