// `pave get resources PROMISE [NAME]`: where a Promise's resource requests went (inspect/resource_tree.h),
// as a tree or as JSON or YAML. Also `kubectl pave get resources ...` through the kubectl-pave link.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pave::cli {

struct GetResourcesFlags {
  std::string promise;
  std::string name;
  std::string namespace_ = "default";
  bool all_namespaces = false;
  std::string output = "tree";
  std::string kubeconfig;
};

// Adds `get resources` to app; returns the `get` subcommand.
CLI::App* add_get_command(CLI::App& app, GetResourcesFlags& flags);

int run_get_resources(const GetResourcesFlags& flags);

}  // namespace pave::cli
