// The client of a command that talks to a cluster: its --kubeconfig, else $KUBECONFIG, else ~/.kube/config.
#pragma once

#include <string>

#include "kube/client.h"
#include "kube/config.h"

namespace pave::cli {

inline kube::Result<kube::Client> client_for(const std::string& kubeconfig) {
  auto config = kubeconfig.empty() ? kube::load_kubeconfig() : kube::load_kubeconfig({.paths = {kubeconfig}});
  if (!config) return std::unexpected(config.error());
  return kube::make_client(*config);
}

}  // namespace pave::cli
