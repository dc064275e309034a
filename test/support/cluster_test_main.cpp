// main() for test binaries that need a real control plane: one cluster for the whole binary.
#include <gtest/gtest.h>

#include "support/cluster_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  return RUN_ALL_TESTS();
}
