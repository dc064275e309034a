// Smoke tests of the real control plane that every other integration test stands on: the API server
// serves CRDs, the Job controller and the scheduler work, namespaces are finalized, and kubectl matches.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "base/subprocess.h"
#include "support/cluster_environment.h"
#include "support/kubectl_get.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

std::string now_rfc3339() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

class ControlPlane : public ClusterTest {
 protected:
  // jsonpath of one object in the test namespace; empty when it does not exist.
  std::string get(const std::string& what, const std::string& jsonpath) const {
    return kubectl({"get", what, "-o", "jsonpath=" + jsonpath}).out;
  }
};

TEST_F(ControlPlane, KubectlVersionReportsThePinnedServerVersion) {
  auto v = cluster().kubectl({"version", "-o", "json"});
  ASSERT_TRUE(v.ok()) << v.err;
  EXPECT_NE(v.out.find(R"("gitVersion": ")" PAVE_K8S_VERSION R"(")"), std::string::npos) << v.out;
  auto server = cluster().kubectl({"get", "--raw", "/version"});
  ASSERT_TRUE(server.ok()) << server.err;
  EXPECT_NE(server.out.find(R"("gitVersion": ")" PAVE_K8S_VERSION R"(")"), std::string::npos) << server.out;
}

TEST_F(ControlPlane, AppliedCrdBecomesEstablishedAndServesItsKind) {
  // CRDs are cluster-scoped: the group carries the test namespace so reruns never collide.
  const std::string group = ns() + ".pave.test";
  const std::string crd = "widgets." + group;
  auto applied = kubectl({"apply", "-f", "-"}, R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: )" + crd + R"(
spec:
  group: )" + group + R"(
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: string}
)");
  ASSERT_TRUE(applied.ok()) << applied.err;
  auto wait = cluster().kubectl({"wait", "--for=condition=Established", "crd/" + crd, "--timeout=60s"});
  ASSERT_TRUE(wait.ok()) << wait.err;
  EXPECT_EQ(cluster().kubectl({"get", "crd", crd, "-o",
                               "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"})
                .out,
            "True");

  // The new kind is served: create one and read it back; the quoted "1" stays a string.
  eventually([&] { return kubectl({"get", "widgets." + group}).ok(); }, 30s);
  auto created = kubectl({"apply", "-f", "-"}, "apiVersion: " + group + R"(/v1
kind: Widget
metadata: {name: w1}
spec: {size: "1"}
)");
  ASSERT_TRUE(created.ok()) << created.err;
  EXPECT_EQ(get("widget." + group + "/w1", "{.spec.size}"), "1");
  cluster().kubectl({"delete", "crd", crd, "--wait=false"});
}

TEST_F(ControlPlane, JobControllerCreatesAPodThatTheSchedulerBindsToARegisteredNode) {
  const std::string node = "node-" + ns();
  const std::string heartbeat = now_rfc3339();
  auto registered = cluster().kubectl({"create", "-f", "-"}, R"(
apiVersion: v1
kind: Node
metadata:
  name: )" + node + R"(
  labels: {kubernetes.io/hostname: )" + node + R"(}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: registered by test,
     lastHeartbeatTime: ")" + heartbeat + R"(", lastTransitionTime: ")" + heartbeat + R"("}
)");
  ASSERT_TRUE(registered.ok()) << registered.err;

  // Pin the Job to this test's Node so concurrent tests' Nodes do not take its pod.
  auto job = kubectl({"create", "-f", "-"}, R"(
apiVersion: batch/v1
kind: Job
metadata: {name: smoke}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: )" + node + R"(}
      containers:
      - {name: main, image: localhost/pave-busybox:test, command: ["true"]}
)");
  ASSERT_TRUE(job.ok()) << job.err;

  std::string pod;
  ASSERT_TRUE(eventually([&] {
    pod = get("pods", "{.items[0].metadata.name}");
    return !pod.empty();
  }, 60s)) << "the Job controller created no pod";
  EXPECT_EQ(get("pod/" + pod, "{.metadata.ownerReferences[0].name}"), "smoke");

  ASSERT_TRUE(eventually([&] { return get("pod/" + pod, "{.spec.nodeName}") == node; }, 60s))
      << "the scheduler did not bind " << pod << " to " << node << ": "
      << kubectl({"get", "events", "-o", "custom-columns=REASON:.reason,MSG:.message"}).out;

  // Report the pod finished, as a kubelet would; the Job controller must mark the Job Complete.
  auto patched = kubectl({"patch", "pod", pod, "--subresource=status", "--type=merge", "-p", R"({"status":{
      "phase":"Succeeded","conditions":[{"type":"Ready","status":"False","reason":"PodCompleted"}],
      "containerStatuses":[{"name":"main","image":"localhost/pave-busybox:test","imageID":"","ready":false,
      "restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed",
      "startedAt":")" + heartbeat + R"(","finishedAt":")" + now_rfc3339() + R"("}}}]}})"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  auto complete = kubectl({"wait", "--for=condition=Complete", "job/smoke", "--timeout=60s"});
  EXPECT_TRUE(complete.ok()) << complete.err;

  cluster().kubectl({"delete", "node", node, "--wait=false"});
}

TEST_F(ControlPlane, DeletedNamespaceIsFinalizedAndGone) {
  const std::string doomed = ns() + "-doomed";
  ASSERT_TRUE(cluster().kubectl({"create", "namespace", doomed}).ok());
  ASSERT_TRUE(cluster().kubectl({"-n", doomed, "create", "configmap", "c", "--from-literal=a=b"}).ok());
  // The ServiceAccount controller gives every namespace its default account.
  EXPECT_TRUE(eventually([&] { return cluster().kubectl({"-n", doomed, "get", "sa", "default"}).ok(); }, 30s));

  auto deleted = cluster().kubectl({"delete", "namespace", doomed, "--wait=false"});
  ASSERT_TRUE(deleted.ok()) << deleted.err;
  EXPECT_TRUE(eventually(
      [&] {
        auto r = cluster().kubectl({"get", "namespace", doomed});
        return !r.ok() && r.err.find("NotFound") != std::string::npos;
      },
      60s))
      << "namespace " << doomed << " was not finalized";
}

// The tests' polls are answered in-process (support/kubectl_get.h) when they can be: each such answer
// is kubectl's own, byte for byte and exit code for exit code, here compared on real objects.
TEST_F(ControlPlane, InProcessGetAnswersAsKubectlDoes) {
  ASSERT_TRUE(kubectl({"create", "configmap", "first", "--from-literal=color=blue<&>", "--from-literal=size=3"}).ok());
  ASSERT_TRUE(kubectl({"create", "configmap", "second", "--from-literal=color=red"}).ok());
  ASSERT_TRUE(kubectl({"label", "configmap", "first", "kratix.io/pipeline-name=configure", "round=2"}).ok());
  ASSERT_TRUE(kubectl({"label", "configmap", "second", "round=2"}).ok());
  const std::vector<std::vector<std::string>> asked = {
      {"get", "configmap", "first", "-n", ns(), "-o", "jsonpath={.data.color}"},
      {"get", "configmaps", "first", "--namespace", ns(), "-o", "jsonpath={.metadata.labels.kratix\\.io/pipeline-name}"},
      {"get", "cm", "first", "-n", ns(), "-o", "jsonpath={.data}"},
      {"--namespace", ns(), "get", "configmap", "second", "-o", "jsonpath={.data.color}"},
      {"get", "configmap", "first", "-n", ns(), "-o", "jsonpath={.metadata.labels} {.data.size}/{.missing}"},
      {"get", "configmap", "-n", ns(), "-l", "round=2", "-o", "jsonpath={.items[*].metadata.name}"},
      {"get", "configmap", "-n", ns(), "-l", "round=2", "-o", "jsonpath={range .items[*]}{.kind} {.metadata.name}{\"\\n\"}{end}"},
      {"get", "configmap", "-n", ns(), "-o", "jsonpath={.items[?(@.metadata.name==\"second\")].data.color}"},
      {"get", "namespace", ns(), "-o", "jsonpath={.status.phase} {.spec.finalizers}"},
      {"get", "ns", ns(), "-n", "elsewhere", "-o", "jsonpath={.metadata.name}"},
      {"get", "configmap", "absent", "-n", ns(), "-o", "jsonpath={.data}"},
      {"get", "crd", "absent.example.com", "-o", "jsonpath={.status}"},
  };
  for (const auto& args : asked) {
    const auto mine = kubectl_get_in_process(cluster().kubeconfig, args);
    ASSERT_TRUE(mine.has_value()) << args.back();
    std::vector<std::string> argv{kubectl_program(), "--kubeconfig", cluster().kubeconfig};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto theirs = base::run({.argv = argv});
    EXPECT_EQ(mine->exit_code, theirs.exit_code) << args.back() << "\n" << theirs.err;
    EXPECT_EQ(mine->out, theirs.out) << args.back();
    EXPECT_EQ(mine->err, theirs.err) << args.back();
  }
  // Left to kubectl: shapes it does not serve, and templates outside support/jsonpath.h.
  EXPECT_FALSE(kubectl_get_in_process(cluster().kubeconfig, {"get", "configmap,secrets", "-o", "jsonpath={.items}"}));
  EXPECT_FALSE(kubectl_get_in_process(cluster().kubeconfig, {"get", "configmap", "first", "-o", "yaml"}));
  EXPECT_FALSE(kubectl_get_in_process(cluster().kubeconfig, {"get", "configmap", "first", "-n", ns(), "-o", "jsonpath={..name}"}));
}

}  // namespace
}  // namespace pave::testing
