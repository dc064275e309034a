// What a kubelet makes of a container's securityContext and resources, as plain values the pod runner
// turns into podman options. Pure functions of the pod spec (and, for runAsNonRoot, the image's user),
// so every rule is unit-tested without a container engine.
//
// The effective security context merges the pod's securityContext under the container's (the
// container's field wins), as Kubernetes does for runAsUser, runAsGroup, runAsNonRoot and
// seccompProfile; supplementalGroups and fsGroup exist only at pod level.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/json.h"

namespace pave::containers {

struct SecurityOptions {
  std::optional<int64_t> run_as_user;     // --user UID[:GID]
  std::optional<int64_t> run_as_group;
  bool run_as_non_root = false;           // checked against the image before the container is created
  std::vector<int64_t> extra_groups;      // fsGroup, then supplementalGroups (--group-add)
  std::vector<std::string> cap_add;       // Kubernetes names (NET_ADMIN), which podman accepts
  std::vector<std::string> cap_drop;
  bool no_new_privileges = false;         // allowPrivilegeEscalation: false
  bool read_only_root = false;            // readOnlyRootFilesystem
  bool privileged = false;
  // seccomp as the kubelet applies it: "unconfined" when the pod says nothing or Unconfined (the
  // kubelet's default), "" for RuntimeDefault (podman's default profile), else a profile's path.
  std::string seccomp = "unconfined";
};

struct ResourceLimits {
  std::optional<int64_t> memory_bytes;    // --memory
  std::optional<double> cpus;             // --cpus
};

// The effective security of one of the pod's containers. Localhost seccomp profiles are looked up in
// seccomp_dir, as the kubelet looks in <root-dir>/seccomp.
SecurityOptions security_options(const kube::Json& pod, const kube::Json& container, const std::string& seccomp_dir);

// The container's resources.limits as podman understands them.
ResourceLimits resource_limits(const kube::Json& container);

// Parses a Kubernetes quantity ("256Mi", "1G", "200m", "1.5", "1e3") to its value in base units
// (bytes, cores); nullopt when it is not a quantity.
std::optional<double> parse_quantity(const std::string& text);

// The kubelet's runAsNonRoot check. image_user is the image's configured user ("", "0", "65532",
// "65532:65532", "nobody"). Returns the kubelet's error message when the container must not start
// (reported as CreateContainerConfigError), nothing when it may.
std::optional<std::string> verify_run_as_non_root(const kube::Json& pod, const kube::Json& container,
                                                  const SecurityOptions& security, const std::string& image_user);

// The single user every container of the pod runs as, when they all name the same one (the kubelet's
// FsUserFrom): the owner of the projected service-account token.
std::optional<int64_t> pod_fs_user(const kube::Json& pod);

// The pod's fsGroup, when it has one.
std::optional<int64_t> pod_fs_group(const kube::Json& pod);

}  // namespace pave::containers
