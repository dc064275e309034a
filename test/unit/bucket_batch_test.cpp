// Which changes of a bucket batch may be written side by side: those touching different keys.
#include <gtest/gtest.h>

#include "statestore/bucket_writer.h"

namespace pave::statestore {
namespace {

bool independent_changes(const std::vector<Change>& changes) {
  std::vector<const Change*> ptrs;
  for (const auto& c : changes) ptrs.push_back(&c);
  return independent(ptrs);
}

TEST(BucketBatch, PlacementsInTheirOwnDirectoriesAreIndependent) {
  EXPECT_TRUE(independent_changes({
      {.placement = "a", .replace_directories = {"w1/resources/ns/redis/a/configure/5058f"},
       .files = {{"w1/resources/ns/redis/a/configure/5058f/cm.yaml", "x"}}},
      {.placement = "b", .replace_directories = {"w1/resources/ns/redis/b/configure/5058f"},
       .files = {{"w1/resources/ns/redis/b/configure/5058f/cm.yaml", "y"}}},
      {.placement = "c", .replace_directories = {"w1/resources/ns/redis/ab/configure/5058f"}},
  }));
}

TEST(BucketBatch, TheSameFileFromTwoPlacementsIsNot) {
  // aggregatedYAML: every placement on a Destination rewrites its one aggregate file.
  EXPECT_FALSE(independent_changes({{.placement = "a", .files = {{"w1/catalog.yaml", "x"}}},
                                    {.placement = "b", .files = {{"w1/catalog.yaml", "y"}}}}));
  EXPECT_FALSE(independent_changes({{.placement = "a", .files = {{"w1/x.yaml", "x"}}},
                                    {.placement = "b", .remove_files = {"./w1/x.yaml"}}}));
}

TEST(BucketBatch, AFileUnderAnotherPlacementsDirectoryIsNot) {
  EXPECT_FALSE(independent_changes({{.placement = "a", .replace_directories = {"w1/dependencies"}},
                                    {.placement = "b", .files = {{"w1/dependencies/x/y.yaml", "y"}}}}));
  EXPECT_FALSE(independent_changes({{.placement = "a", .replace_directories = {"w1/resources/ns"}},
                                    {.placement = "x", .files = {{"w1/resources/ns/a.yaml", "a"}}},
                                    {.placement = "b", .files = {{"w1/resources/ns/b/c.yaml", "y"}}}}));
  EXPECT_FALSE(independent_changes({{.placement = "root", .replace_directories = {"."}},
                                    {.placement = "b", .files = {{"anything.yaml", "y"}}}}));
}

TEST(BucketBatch, OnePlacementOverlappingItselfIsFine) {
  EXPECT_TRUE(independent_changes({{.placement = "a", .replace_directories = {"w1/a"}, .files = {{"w1/a/x.yaml", "x"}}},
                                   {.placement = "b", .replace_directories = {"w1/b"}, .files = {{"w1/b/x.yaml", "x"}}}}));
}

}  // namespace
}  // namespace pave::statestore
