// Two pod runners on one host, each the kubelet of a Node (of the same name) in its own cluster: each
// acts only on its own containers. Before runners labelled their containers with their Node and
// cluster, a runner starting up removed every container whose pod it did not know, the other
// cluster's included.
#include <gtest/gtest.h>

#include <future>

#include "base/temp_dir.h"
#include "support/cluster.h"
#include "support/pod_runner.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

const std::string kNode = "pave-shared-node";

std::string job_yaml(const std::string& word) {
  return R"(
apiVersion: batch/v1
kind: Job
metadata: {name: worker}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: )" + kNode + R"(}
      containers:
      - {name: main, image: localhost/pave-pipeline-utility:dev, command: [sh, -c, "sleep 12; echo from-)" + word + R"("]}
)";
}

std::string pod_of_worker(const ClusterAccess& c) {
  std::string pod;
  eventually([&] {
    pod = c.kubectl({"get", "pods", "-l", "job-name=worker", "-o", "jsonpath={.items[0].metadata.name}"}).out;
    return !pod.empty();
  }, 60s);
  return pod;
}

bool running(const ClusterAccess& c, const std::string& pod) {
  return c.kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt}"}).out != "";
}

// Whether the pod's container is still running in podman, whoever is watching it.
bool container_running(const ClusterAccess& c, const std::string& pod) {
  const std::string uid = c.kubectl({"get", "pod", pod, "-o", "jsonpath={.metadata.uid}"}).out;
  return base::run({.argv = {"podman", "ps", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out != "";
}

TEST(PodRunners, TwoRunnersOnOneHostLeaveEachOthersContainersAlone) {
  auto built = build_images(PAVE_IMAGES_SCRIPT, PAVE_BINARY);
  ASSERT_FALSE(built.has_value()) << *built;
  auto a_future = std::async(std::launch::async, [] { return LocalCluster::start("alpha"); });
  auto b_future = std::async(std::launch::async, [] { return LocalCluster::start("beta"); });
  auto a = a_future.get();
  auto b = b_future.get();
  ASSERT_TRUE(a.has_value()) << a.error();
  ASSERT_TRUE(b.has_value()) << b.error();
  const ClusterAccess& alpha = a->access();
  const ClusterAccess& beta = b->access();
  auto dir_a = base::TempDir::create("runner-alpha").value();
  auto dir_b = base::TempDir::create("runner-beta").value();
  PodRunner runner_a(PAVE_POD_RUNNER, kNode), runner_b(PAVE_POD_RUNNER, kNode);
  auto started_a = runner_a.start(alpha.kubeconfig, dir_a.path().string());
  ASSERT_FALSE(started_a.has_value()) << *started_a;
  auto started_b = runner_b.start(beta.kubeconfig, dir_b.path().string());
  ASSERT_FALSE(started_b.has_value()) << *started_b;

  ASSERT_TRUE(alpha.kubectl({"apply", "-f", "-"}, job_yaml("alpha")).ok());
  ASSERT_TRUE(beta.kubectl({"apply", "-f", "-"}, job_yaml("beta")).ok());
  const std::string pod_a = pod_of_worker(alpha), pod_b = pod_of_worker(beta);
  ASSERT_TRUE(eventually([&] { return running(alpha, pod_a) && running(beta, pod_b); }, 60s));

  // A runner that starts collects the orphans of its own Node and cluster only: the other cluster's
  // running container, on a Node of the same name, is not one of them.
  runner_b.kill();
  auto restarted_b = runner_b.start(beta.kubeconfig, dir_b.path().string());
  ASSERT_FALSE(restarted_b.has_value()) << *restarted_b;
  EXPECT_TRUE(container_running(alpha, pod_a)) << "beta's runner removed alpha's container";
  EXPECT_TRUE(container_running(beta, pod_b)) << "beta's runner removed its own running container";
  runner_a.kill();
  auto restarted_a = runner_a.start(alpha.kubeconfig, dir_a.path().string());
  ASSERT_FALSE(restarted_a.has_value()) << *restarted_a;
  EXPECT_TRUE(container_running(beta, pod_b)) << "alpha's runner removed beta's container";

  // Both pods finish on their own runner, each having run exactly once.
  for (const auto* c : {&alpha, &beta}) {
    EXPECT_TRUE(c->kubectl({"wait", "--for=condition=Complete", "job/worker", "--timeout=90s"}).ok()) << c->name;
    EXPECT_EQ(c->kubectl({"get", "job", "worker", "-o", "jsonpath={.status.succeeded}"}).out, "1") << c->name;
  }
  EXPECT_EQ(runner_a.logs(alpha.kubeconfig, "default/" + pod_a, "main"), "from-alpha\n");
  EXPECT_EQ(runner_b.logs(beta.kubeconfig, "default/" + pod_b, "main"), "from-beta\n");
  EXPECT_EQ(beta.kubectl({"get", "pod", pod_b, "-o", "jsonpath={.status.containerStatuses[0].restartCount}"}).out, "0");

  // Deleting alpha's pod removes alpha's container and nothing of beta's.
  ASSERT_TRUE(beta.kubectl({"apply", "-f", "-"}, R"(
apiVersion: v1
kind: Pod
metadata: {name: long}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: )" + kNode + R"(}
  containers: [{name: main, image: localhost/pave-pipeline-utility:dev, command: [sleep, "120"]}]
)").ok());
  ASSERT_TRUE(eventually([&] { return running(beta, "long"); }, 60s));
  ASSERT_TRUE(alpha.kubectl({"delete", "job", "worker", "--cascade=foreground"}).ok());
  EXPECT_TRUE(eventually([&] { return !alpha.kubectl({"get", "pod", pod_a}).ok(); }, 30s));
  EXPECT_TRUE(container_running(beta, "long"));
  EXPECT_TRUE(beta.kubectl({"delete", "pod", "long", "--grace-period=1"}).ok());
  runner_a.stop();
  runner_b.stop();
}

}  // namespace
}  // namespace pave::testing
