// Flux's CRDs (source-controller and kustomize-controller, the versions tools/flux pins), built into the
// binary from deploy/flux/crds so `pave destination bootstrap` can install them on a cluster that has no Flux.
#pragma once

#include <string_view>

namespace pave::gitops {

// Every CRD as a stream of YAML documents.
std::string_view flux_crds_yaml();

}  // namespace pave::gitops
