// Flux on a destination cluster for e2e tests: source-controller and kustomize-controller (built from Go
// modules by tools/flux/build.sh) run by `pave-cluster flux` against the cluster's kubeconfig, as Flux runs
// in-cluster on a Kratix destination.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "support/cluster.h"

namespace pave::testing {

// Where the Flux binaries and CRDs are: PAVE_FLUX_BIN, else what the build baked in.
std::string flux_bin_dir();

class FluxAgent {
 public:
  // Installs Flux's CRDs on cluster and starts both controllers; returns once both are ready.
  static std::expected<FluxAgent, std::string> start(const ClusterAccess& cluster);
  FluxAgent(FluxAgent&&) noexcept = default;
  FluxAgent& operator=(FluxAgent&&) noexcept = default;
  ~FluxAgent();

  // The last lines of both controllers' logs, for a failing test's message.
  std::string log_tail() const;

  // Stops both controllers (the destination's objects stay, as when Flux is uninstalled).
  void stop();

 private:
  FluxAgent(base::TempDir dir, base::Child launcher) : dir_(std::move(dir)), launcher_(std::move(launcher)) {}

  std::optional<base::TempDir> dir_;
  std::optional<base::Child> launcher_;
};

}  // namespace pave::testing
