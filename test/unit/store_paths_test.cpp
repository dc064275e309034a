// Where a file lands in a store: its prefix (spec.path) joined with the file's path.
#include <gtest/gtest.h>

#include "statestore/writer.h"

namespace pave::statestore {
namespace {

TEST(StorePath, JoinsThePrefixAndThePathAsPathJoinWouldClean) {
  EXPECT_EQ(store_path("clusters", "dev/a.yaml"), "clusters/dev/a.yaml");
  EXPECT_EQ(store_path("/clusters/", "/dev/a.yaml"), "clusters/dev/a.yaml");
  EXPECT_EQ(store_path("./clusters//eu/./", "dev//a.yaml"), "clusters/eu/dev/a.yaml");
  EXPECT_EQ(store_path("clusters", "dev/./a.yaml"), "clusters/dev/a.yaml");
}

TEST(StorePath, EmptyDotAndSlashMeanTheRoot) {
  for (const char* root : {"", ".", "/", "./", "//"}) {
    EXPECT_EQ(store_path(root, "a.yaml"), "a.yaml") << root;
    EXPECT_EQ(store_path(root, "."), "") << root;
    EXPECT_EQ(store_path(root, ""), "") << root;
  }
  EXPECT_EQ(store_path("clusters", "."), "clusters");
}

TEST(StorePath, NamesStartingWithADotAreKept) {
  EXPECT_EQ(store_path(".hidden", "a.yaml"), ".hidden/a.yaml");
  EXPECT_EQ(store_path("./.flux", ".keep"), ".flux/.keep");
  EXPECT_EQ(store_path("..data", "x"), "..data/x");
}

TEST(StorePath, ATrailingSlashOfThePathIsKeptForListings) {
  EXPECT_EQ(store_path("clusters", "dev/"), "clusters/dev/");
  EXPECT_EQ(store_path("", "dev/"), "dev/");
  EXPECT_EQ(store_path("", "/"), "");
  EXPECT_EQ(store_path("clusters", "/"), "clusters") << "the prefix itself, as with \"\"";
}

TEST(StorePath, DotDotTakesTheSegmentBeforeIt) {
  EXPECT_TRUE(contained_prefix("fleet/../eu"));
  EXPECT_EQ(store_path("fleet/../eu", "a.yaml"), "eu/a.yaml");
  EXPECT_EQ(store_path("fleet/eu/..", "a.yaml"), "fleet/a.yaml");
}

TEST(StorePath, NoPrefixClimbsOutOfTheRoot) {
  EXPECT_FALSE(contained_prefix("../other"));
  EXPECT_FALSE(contained_prefix("clusters/../../other"));
  EXPECT_TRUE(contained_prefix(""));
  EXPECT_TRUE(contained_prefix("/clusters"));
  EXPECT_TRUE(contained_prefix(".hidden/..data"));
  // Refused where the store is read; were one to get here, it still stays under the root.
  EXPECT_EQ(store_path("../other", "a.yaml"), "other/a.yaml");
  EXPECT_EQ(store_path("a/../../b", "c"), "b/c");
  // Nor does a path climb out of its prefix (check_paths refuses such paths before).
  EXPECT_EQ(store_path("clusters", "../a.yaml"), "clusters/a.yaml");
}

TEST(ContainedPath, RefusesAbsoluteEmptyAndClimbingPaths) {
  EXPECT_TRUE(contained_path("dev/a.yaml"));
  EXPECT_TRUE(contained_path(".flux/a.yaml"));
  EXPECT_FALSE(contained_path(""));
  EXPECT_FALSE(contained_path("/etc/passwd"));
  EXPECT_FALSE(contained_path("dev/../../etc"));
  EXPECT_FALSE(contained_path(".."));
}

}  // namespace
}  // namespace pave::statestore
