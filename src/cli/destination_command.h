// `pave destination bootstrap NAME`: what a destination cluster needs to pull its Destination's files from the
// state store (gitops/destination_bootstrap.h), printed as YAML, or applied to the cluster with --kubeconfig.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pave::cli {

struct DestinationBootstrapFlags {
  std::string name;
  std::string platform_kubeconfig;  // where the Destination is (default: $KUBECONFIG, then ~/.kube/config)
  std::string kubeconfig;           // the destination cluster to apply to; empty: print
  bool argocd = false;
  bool no_crds = false;
  std::string namespace_;
  std::string interval = "1m";
};

// Adds `destination bootstrap` to app; returns the `destination` subcommand.
CLI::App* add_destination_command(CLI::App& app, DestinationBootstrapFlags& flags);

int run_destination_bootstrap(const DestinationBootstrapFlags& flags);

}  // namespace pave::cli
