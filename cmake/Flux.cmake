# Flux's source-controller and kustomize-controller, the GitOps agent of the destination clusters in e2e
# tests and the local platform.
#
# PAVE_FLUX_BIN names a directory holding both binaries and crds/. When it is not given, tools/flux/build.sh
# builds them (cold: about 4 minutes; afterwards served from a cache outside the clone, keyed on
# tools/flux/go.sum).
set(PAVE_FLUX_BIN "" CACHE PATH "Directory with Flux's controllers and CRDs (built by tools/flux/build.sh when empty)")
if(NOT PAVE_FLUX_BIN)
  message(STATUS "Flux: running tools/flux/build.sh")
  execute_process(
    COMMAND ${CMAKE_SOURCE_DIR}/tools/flux/build.sh
    OUTPUT_VARIABLE _flux_bin OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _flux_rc)
  if(NOT _flux_rc EQUAL 0)
    message(FATAL_ERROR "tools/flux/build.sh failed (${_flux_rc})")
  endif()
  set(PAVE_FLUX_BIN_RESOLVED ${_flux_bin})
else()
  set(PAVE_FLUX_BIN_RESOLVED ${PAVE_FLUX_BIN})
endif()
message(STATUS "Flux binaries: ${PAVE_FLUX_BIN_RESOLVED}")
