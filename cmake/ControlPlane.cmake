# The real Kubernetes control plane that integration and e2e tests run against.
#
# PAVE_K8S_BIN names a directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kubectl. When it is not given, tools/k8s/build.sh builds them (cold: about 6 minutes; afterwards served
# from a cache outside the clone, keyed on tools/k8s/go.sum).
include(${CMAKE_CURRENT_LIST_DIR}/GoTools.cmake)
pave_go_tool_dir(PAVE_K8S_BIN tools/k8s/build.sh "the control plane binaries")

# pave-cluster, the launcher (Go, standard library only), rebuilt when its sources change.
find_program(GO_PROGRAM go REQUIRED)
file(GLOB _cluster_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/cluster/*.go)
set(PAVE_CLUSTER_PROGRAM ${CMAKE_BINARY_DIR}/bin/pave-cluster)
add_custom_command(
  OUTPUT ${PAVE_CLUSTER_PROGRAM}
  COMMAND ${CMAKE_COMMAND} -E env GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
          ${GO_PROGRAM} build -trimpath -o ${PAVE_CLUSTER_PROGRAM} .
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tools/cluster
  DEPENDS ${_cluster_sources} ${CMAKE_SOURCE_DIR}/tools/cluster/go.mod
  COMMENT "Building pave-cluster")
add_custom_target(pave_cluster ALL DEPENDS ${PAVE_CLUSTER_PROGRAM})
