// The main of workflow tests: one control plane (ClusterEnvironment) and one pod runner with this build's
// pipeline images (RunnerEnvironment) shared by the binary's tests.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::RunnerEnvironment("wf-node"));
  return RUN_ALL_TESTS();
}
