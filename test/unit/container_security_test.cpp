// What the pod runner makes of securityContext and resources, as a kubelet would.
#include "containers/container_security.h"

#include <gtest/gtest.h>

#include "containers/podman.h"

namespace pave::containers {
namespace {

using kube::Json;

Json pod_with(Json pod_sc, std::vector<Json> containers) {
  Json p = {{"metadata", {{"name", "job-abc"}, {"namespace", "team-a"}, {"uid", "1234"}}},
            {"spec", {{"containers", Json::array()}}}};
  if (!pod_sc.is_null()) p["spec"]["securityContext"] = pod_sc;
  for (auto& c : containers) p["spec"]["containers"].push_back(c);
  return p;
}

TEST(SecurityOptions, ContainerFieldsWinOverThePodsAndGroupsComeFromThePod) {
  Json c = {{"name", "main"},
            {"securityContext", {{"runAsUser", 1000}, {"allowPrivilegeEscalation", false},
                                 {"capabilities", {{"drop", {"ALL"}}, {"add", {"NET_BIND_SERVICE"}}}},
                                 {"readOnlyRootFilesystem", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}}};
  Json p = pod_with({{"runAsUser", 5}, {"runAsGroup", 3000}, {"runAsNonRoot", true}, {"fsGroup", 2000},
                     {"supplementalGroups", {4000, 4001}}},
                    {c});
  auto o = security_options(p, c, "/var/lib/runner/seccomp");
  EXPECT_EQ(o.run_as_user, 1000);
  EXPECT_EQ(o.run_as_group, 3000);
  EXPECT_TRUE(o.run_as_non_root);
  EXPECT_EQ(o.extra_groups, (std::vector<int64_t>{2000, 4000, 4001}));
  EXPECT_EQ(o.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(o.cap_add, std::vector<std::string>{"NET_BIND_SERVICE"});
  EXPECT_TRUE(o.no_new_privileges);
  EXPECT_TRUE(o.read_only_root);
  EXPECT_FALSE(o.privileged);
  EXPECT_EQ(o.seccomp, "") << "RuntimeDefault is podman's own profile";
}

TEST(SecurityOptions, SeccompIsUnconfinedUnlessAsked) {
  Json c = {{"name", "main"}};
  EXPECT_EQ(security_options(pod_with(nullptr, {c}), c, "/s").seccomp, "unconfined") << "the kubelet's default";
  Json local = {{"name", "main"}, {"securityContext", {{"seccompProfile", {{"type", "Localhost"}, {"localhostProfile", "p.json"}}}}}};
  EXPECT_EQ(security_options(pod_with(nullptr, {local}), local, "/s").seccomp, "/s/p.json");
  Json privileged = {{"name", "main"}, {"securityContext", {{"privileged", true}}}};
  auto o = security_options(pod_with({{"seccompProfile", {{"type", "RuntimeDefault"}}}}, {privileged}), privileged, "/s");
  EXPECT_TRUE(o.privileged);
  EXPECT_EQ(o.seccomp, "unconfined");
  EXPECT_FALSE(security_options(pod_with(nullptr, {c}), c, "/s").no_new_privileges)
      << "only an explicit allowPrivilegeEscalation: false sets no_new_privs";
}

TEST(RunAsNonRoot, RefusesRootImagesWithTheKubeletsMessages) {
  Json c = {{"name", "reader"}, {"securityContext", {{"runAsNonRoot", true}}}};
  Json p = pod_with(nullptr, {c});
  auto o = security_options(p, c, "/s");
  EXPECT_EQ(verify_run_as_non_root(p, c, o, ""),
            "container has runAsNonRoot and image will run as root (pod: \"job-abc_team-a(1234)\", container: reader)");
  EXPECT_EQ(verify_run_as_non_root(p, c, o, "0:0"),
            "container has runAsNonRoot and image will run as root (pod: \"job-abc_team-a(1234)\", container: reader)");
  EXPECT_EQ(verify_run_as_non_root(p, c, o, "nobody"),
            "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root "
            "(pod: \"job-abc_team-a(1234)\", container: reader)");
  EXPECT_EQ(verify_run_as_non_root(p, c, o, "65532:65532"), std::nullopt);

  Json as_root = {{"name", "reader"}, {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 0}}}};
  Json p2 = pod_with(nullptr, {as_root});
  EXPECT_EQ(verify_run_as_non_root(p2, as_root, security_options(p2, as_root, "/s"), "65532"),
            "container's runAsUser breaks non-root policy (pod: \"job-abc_team-a(1234)\", container: reader)");
  Json as_user = {{"name", "reader"}, {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 1000}}}};
  Json p3 = pod_with(nullptr, {as_user});
  EXPECT_EQ(verify_run_as_non_root(p3, as_user, security_options(p3, as_user, "/s"), ""), std::nullopt)
      << "runAsUser decides, whatever the image says";
  Json plain = {{"name", "reader"}};
  EXPECT_EQ(verify_run_as_non_root(p, plain, security_options(p, plain, "/s"), ""), std::nullopt);
}

TEST(FsUser, IsTheOneUserAllContainersShare) {
  Json a = {{"name", "a"}, {"securityContext", {{"runAsUser", 65532}}}};
  Json b = {{"name", "b"}, {"securityContext", {{"runAsUser", 65532}}}};
  EXPECT_EQ(pod_fs_user(pod_with(nullptr, {a, b})), 65532);
  Json other = {{"name", "c"}, {"securityContext", {{"runAsUser", 1}}}};
  EXPECT_EQ(pod_fs_user(pod_with(nullptr, {a, other})), std::nullopt);
  Json unset = {{"name", "d"}};
  EXPECT_EQ(pod_fs_user(pod_with(nullptr, {a, unset})), std::nullopt);
  EXPECT_EQ(pod_fs_user(pod_with({{"runAsUser", 7}}, {unset})), 7) << "the pod's runAsUser counts for every container";
  EXPECT_EQ(pod_fs_group(pod_with({{"fsGroup", 2000}}, {unset})), 2000);
  EXPECT_EQ(pod_fs_group(pod_with(nullptr, {unset})), std::nullopt);
}

TEST(Quantity, ParsesKubernetesSuffixes) {
  EXPECT_EQ(parse_quantity("256Mi"), 256.0 * 1024 * 1024);
  EXPECT_EQ(parse_quantity("1Gi"), 1073741824.0);
  EXPECT_EQ(parse_quantity("500M"), 5e8);
  EXPECT_EQ(parse_quantity("200m"), 0.2);
  EXPECT_EQ(parse_quantity("2"), 2.0);
  EXPECT_EQ(parse_quantity("1.5"), 1.5);
  EXPECT_EQ(parse_quantity("1e3"), 1000.0);
  EXPECT_EQ(parse_quantity("12k"), 12000.0);
  EXPECT_EQ(parse_quantity(""), std::nullopt);
  EXPECT_EQ(parse_quantity("Mi"), std::nullopt);
  EXPECT_EQ(parse_quantity("5 apples"), std::nullopt);
}

TEST(ResourceLimits, MemoryInBytesAndCpuInCores) {
  auto r = resource_limits({{"resources", {{"limits", {{"memory", "256Mi"}, {"cpu", "200m"}}},
                                           {"requests", {{"memory", "1Gi"}}}}}});
  EXPECT_EQ(r.memory_bytes, 268435456);
  EXPECT_EQ(r.cpus, 0.2);
  auto none = resource_limits({{"resources", {{"requests", {{"memory", "1Gi"}}}}}});
  EXPECT_EQ(none.memory_bytes, std::nullopt) << "requests are not limits";
  EXPECT_EQ(none.cpus, std::nullopt);
}

}  // namespace
// podman reads a mount as "host:container:options": a path with ':' is refused, not misread.
TEST(RefuseMounts, APathWithAColonIsRefusedWithItsName) {
  EXPECT_FALSE(refuse_mounts({{"/var/lib/pave/pods/u/volumes/data", "/data", false}}).has_value());
  EXPECT_EQ(refuse_mounts({{"/var/lib/pave/x", "/data", false}, {"/srv/a:b", "/b", true}}),
            "mount path \"/srv/a:b\" contains ':', which this node's container runtime cannot mount");
  EXPECT_TRUE(refuse_mounts({{"/ok", "/etc:/x", false}}).has_value());
}

}  // namespace pave::containers
