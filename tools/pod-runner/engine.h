// The container engine the pod runner drives: podman, and the kubelet's security rules, live in
// src/containers so `pave test` runs pipeline containers with the same code. The pod runner names them
// without the namespace.
#pragma once

#include "containers/container_security.h"
#include "containers/podman.h"
#include "containers/references.h"

namespace pave::podrunner {

using containers::ContainerRun;
using containers::Mount;
using containers::Owner;
using containers::Podman;
using containers::ResourceLimits;
using containers::RunSpec;
using containers::SecurityOptions;
using containers::expand_references;
using containers::pod_fs_group;
using containers::pod_fs_user;
using containers::refuse_mounts;
using containers::resource_limits;
using containers::security_options;
using containers::verify_run_as_non_root;

}  // namespace pave::podrunner
