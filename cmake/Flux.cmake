# Flux's source-controller and kustomize-controller, the GitOps agent of the destination clusters in e2e
# tests and the local platform.
#
# PAVE_FLUX_BIN names a directory holding both binaries and crds/. When it is not given, tools/flux/build.sh
# builds them (cold: about 4 minutes; afterwards served from a cache outside the clone, keyed on
# tools/flux/go.sum).
include(${CMAKE_CURRENT_LIST_DIR}/GoTools.cmake)
pave_go_tool_dir(PAVE_FLUX_BIN tools/flux/build.sh "Flux's controllers and CRDs")
