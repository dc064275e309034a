// Reading podman's container events (Podman::died_pod): which lines name a pod of this owner whose
// container died. The lines are podman 4's `events --format json`.
#include <gtest/gtest.h>

#include <algorithm>

#include "containers/podman.h"

namespace pave::containers {
namespace {

std::string event(const std::string& status, const std::string& node, const std::string& cluster,
                  const std::string& uid = "pod-1") {
  return R"({"ID":"4f2c","Image":"localhost/pave-pipeline-utility:dev","Name":"pave_pod-1_main_0","Status":")" + status +
         R"(","Time":"2026-12-02T18:00:00.1Z","Type":"container","Attributes":{"io.pave.attempt":"0",)"
         R"("io.pave.cluster":")" + cluster + R"(","io.pave.container":"main","io.pave.node":")" + node +
         R"(","io.pave.pod-uid":")" + uid + R"("}})";
}

TEST(PodmanEventsTest, ADiedContainerOfThisOwnerNamesItsPod) {
  const Podman podman({.node = "n1", .cluster = "c1"});
  EXPECT_EQ(podman.died_pod(event("died", "n1", "c1")), "pod-1");
}

TEST(PodmanEventsTest, OtherOwnersAndOtherEventsAreNotThisRunners) {
  const Podman podman({.node = "n1", .cluster = "c1"});
  EXPECT_EQ(podman.died_pod(event("died", "n2", "c1")), std::nullopt);
  EXPECT_EQ(podman.died_pod(event("died", "n1", "c2")), std::nullopt);
  EXPECT_EQ(podman.died_pod(event("start", "n1", "c1")), std::nullopt);
  EXPECT_EQ(podman.died_pod(event("died", "n1", "c1", "")), std::nullopt);
}

// The line comes from another program: anything else is ignored, never thrown on.
TEST(PodmanEventsTest, LinesThatAreNotContainerEventsAreIgnored) {
  const Podman podman({.node = "n1", .cluster = "c1"});
  for (const char* line : {"", "not json", "[]", "42", R"({"Type":7,"Status":"died"})",
                           R"({"Type":"container","Status":"died","Attributes":"x"})",
                           R"({"Type":"container","Status":"died","Attributes":{"io.pave.node":1,"io.pave.pod-uid":"p"}})",
                           R"({"Type":"image","Status":"died","Attributes":{"io.pave.node":"n1","io.pave.cluster":"c1","io.pave.pod-uid":"p"}})"}) {
    EXPECT_EQ(podman.died_pod(line), std::nullopt) << line;
  }
}

TEST(PodmanEventsTest, TheStreamAsksForContainersThatDiedSinceTheLookBack) {
  const Podman podman({.node = "n1", .cluster = "c1"}, "/usr/bin/podman");
  const auto argv = podman.events_command("10s");
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv.front(), "/usr/bin/podman");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "event=died"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "10s"), argv.end());
}

}  // namespace
}  // namespace pave::containers
