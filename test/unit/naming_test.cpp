// Kratix's naming rules, with the golden names of kratix-spec.md section 12.
#include "api/naming.h"

#include <gtest/gtest.h>

namespace pave::api {
namespace {

TEST(Naming, DeterministicNamesEndInTheirNamesMd5) {
  EXPECT_EQ(deterministic_name("example-redis"), "example-redis-e7f90");  // the ResourceBinding of spec 12
  EXPECT_EQ(deterministic_name("example-redis"), deterministic_name("example-redis"));
  EXPECT_EQ(md5_hex("."), "5058f1af8388633f609cadb75a75dc9d");
  EXPECT_EQ(workload_group_id("dest2").substr(0, 5), "76355");
}

TEST(Naming, LongNamesAreCutToFitSixtyTwoWithoutATrailingDash) {
  const std::string long_name(70, 'a');
  const std::string cut = deterministic_name(long_name);
  EXPECT_EQ(cut.size(), 62u);
  EXPECT_EQ(cut.substr(0, 57), std::string(56, 'a') + "-");
  EXPECT_EQ(cut.substr(57), md5_hex(long_name).substr(0, 5)) << "the suffix hashes the whole name";
  // Cut at a dash: the dash goes, so the result never holds "--".
  const std::string dashed = std::string(55, 'b') + "-cccccccc";
  EXPECT_EQ(deterministic_name(dashed).substr(0, 56), std::string(55, 'b') + "-");
  EXPECT_EQ(deterministic_name(dashed).find("--"), std::string::npos);
  EXPECT_EQ(deterministic_name(std::string(57, 'x')).size(), 63u) << "57 characters are kept whole";
}

TEST(Naming, GeneratedNamesDifferAndKeepTheirPrefix) {
  const std::string a = generated_name("kratix-redis-example-instance-configure");
  const std::string b = generated_name("kratix-redis-example-instance-configure");
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("kratix-redis-example-instance-configure-"));
  EXPECT_EQ(a.size(), std::string("kratix-redis-example-instance-configure-").size() + 5);
}

TEST(Naming, PipelineIdentity) {
  EXPECT_EQ(pipeline_id("redis", "resource", "configure", "instance-configure"), "redis-resource-configure-instance-configure");
}

}  // namespace
}  // namespace pave::api
