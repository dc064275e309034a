// The pod runner with the real control plane: the real Job controller and scheduler create and bind
// pods, pave-pod-runner runs them in podman containers from images built here, and reports their status.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/cluster_environment.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

const char* kUtility = "localhost/pave-pipeline-utility:dev";

// The pod runner process for this test binary's cluster.
class PodRunner {
 public:
  void start(const ClusterAccess& cluster, const std::string& state_dir) {
    auto child = base::Child::spawn({PAVE_POD_RUNNER, "run", "--kubeconfig", cluster.kubeconfig, "--node", node_,
                                     "--state-dir", state_dir},
                                    {}, state_dir + "/runner.log");
    ASSERT_TRUE(child.has_value()) << child.error();
    child_.emplace(std::move(*child));
    auto ready = child_->read_line(60s);
    ASSERT_EQ(ready, "READY node=" + node_) << base::run({.argv = {"tail", "-20", state_dir + "/runner.log"}}).out;
  }
  void stop() {
    if (child_) {
      child_->signal(SIGTERM);
      if (!child_->wait_for(20s)) child_->signal(SIGKILL), child_->wait_for(5s);
    }
    child_.reset();
  }
  void kill() {
    if (child_) child_->signal(SIGKILL), child_->wait_for(10s);
    child_.reset();
  }
  const std::string& node() const { return node_; }

 private:
  std::string node_ = "pave-node-" + std::to_string(getpid());
  std::optional<base::Child> child_;
};

PodRunner* g_runner = nullptr;
std::string g_state_dir;

class PodRunnerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto images = base::run({.argv = {PAVE_IMAGES_SCRIPT}, .env = {{"PAVE_BINARY", PAVE_BINARY}},
                             .timeout = std::chrono::minutes(15)});
    ASSERT_TRUE(images.ok()) << images.err;
    dir_.emplace(base::TempDir::create("pod-runner").value());
    g_state_dir = dir_->path().string();
    g_runner = &runner_;
    runner_.start(ClusterEnvironment::cluster(), g_state_dir);
  }
  void TearDown() override { runner_.stop(); }

 private:
  std::optional<base::TempDir> dir_;
  PodRunner runner_;
};

class PodRunnerTest : public ClusterTest {
 protected:
  // Creates a Job from YAML (the namespace is the test's; @NODE@ becomes the pod runner's Node, so
  // other Nodes in a shared cluster never take the pods).
  void create_job(std::string yaml) {
    for (auto at = yaml.find("@NODE@"); at != std::string::npos; at = yaml.find("@NODE@")) {
      yaml.replace(at, 6, g_runner->node());
    }
    auto r = kubectl({"apply", "-f", "-"}, yaml);
    ASSERT_TRUE(r.ok()) << r.err;
  }
  bool job_has(const std::string& job, const std::string& condition, std::chrono::seconds timeout = 90s) {
    return kubectl({"wait", "--for=condition=" + condition, "job/" + job, "--timeout=" + std::to_string(timeout.count()) + "s"}).ok();
  }
  std::string pod_of(const std::string& job) {
    std::string pod;
    eventually([&] {
      pod = kubectl({"get", "pods", "-l", "job-name=" + job, "-o", "jsonpath={.items[0].metadata.name}"}).out;
      return !pod.empty();
    }, 60s);
    return pod;
  }
  std::string logs(const std::string& pod, const std::string& container) {
    return base::run({.argv = {PAVE_POD_RUNNER, "logs", "--kubeconfig", cluster().kubeconfig, ns() + "/" + pod, container}}).out;
  }
  std::string diagnose(const std::string& job) {
    return kubectl({"get", "job,pods", "-o", "yaml"}).out + "\n" + job;
  }
};

TEST_F(PodRunnerTest, InitContainersShareAnEmptyDirInOrder) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: handoff}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes: [{name: work, emptyDir: {}}]
      initContainers:
      - {name: first, image: )" + std::string(kUtility) + R"(, command: [sh, -c, "echo from-first > /work/note"],
         volumeMounts: [{name: work, mountPath: /work}]}
      - {name: second, image: )" + kUtility + R"(, command: [sh, -c, "cat /work/note; echo from-second >> /work/note"],
         volumeMounts: [{name: work, mountPath: /work}]}
      containers:
      - {name: main, image: )" + kUtility + R"(, command: [cat, /work/note], volumeMounts: [{name: work, mountPath: /work, readOnly: true}]}
)");
  ASSERT_TRUE(job_has("handoff", "Complete")) << diagnose("handoff");
  const std::string pod = pod_of("handoff");
  EXPECT_EQ(logs(pod, "second"), "from-first\n");
  EXPECT_EQ(logs(pod, "main"), "from-first\nfrom-second\n");
  // The status reads like a kubelet's: each container terminated with exit code 0 and reason Completed.
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.phase}"}).out, "Succeeded");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.initContainerStatuses[*].state.terminated.reason}"}).out,
            "Completed Completed");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}"}).out, "0");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.spec.nodeName}"}).out, g_runner->node());
}

TEST_F(PodRunnerTest, EnvironmentConfigMapsSecretsAndReadOnlyMounts) {
  ASSERT_TRUE(kubectl({"create", "configmap", "settings", "--from-literal=color=blue", "--from-literal=size=3"}).ok());
  ASSERT_TRUE(kubectl({"create", "secret", "generic", "creds", "--from-literal=password=s3cr3t"}).ok());
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: env}
spec:
  backoffLimit: 0
  template:
    metadata: {annotations: {note: annotated}}
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes:
      - {name: cfg, configMap: {name: settings, items: [{key: color, path: nested/colour.txt}]}}
      - {name: sec, secret: {secretName: creds}}
      containers:
      - name: main
        image: )" + std::string(kUtility) + R"(
        workingDir: /cfg/nested
        envFrom: [{configMapRef: {name: settings}, prefix: CFG_}]
        env:
        - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
        - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: NOTE, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['note']"}}}
        - {name: GREETING, value: size=$(CFG_size)}
        volumeMounts: [{name: cfg, mountPath: /cfg, readOnly: true}, {name: sec, mountPath: /sec}]
        command: [sh, -c]
        args:
        - |
          echo "$CFG_color $CFG_size $PASSWORD $POD_NS $NOTE $GREETING $PWD"
          cat colour.txt; echo; cat /sec/password; echo
          touch /cfg/x 2>/dev/null && echo writable || echo read-only
)");
  ASSERT_TRUE(job_has("env", "Complete")) << diagnose("env");
  EXPECT_EQ(logs(pod_of("env"), "main"),
            "blue 3 s3cr3t " + ns() + " annotated size=3 /cfg/nested\nblue\ns3cr3t\nread-only\n");
}

TEST_F(PodRunnerTest, KubectlInAPodActsAsItsServiceAccountUnderRbac) {
  ASSERT_TRUE(kubectl({"create", "serviceaccount", "reader"}).ok());
  ASSERT_TRUE(kubectl({"create", "serviceaccount", "nobody"}).ok());
  ASSERT_TRUE(kubectl({"create", "role", "read-cm", "--verb=list,get", "--resource=configmaps"}).ok());
  ASSERT_TRUE(kubectl({"create", "rolebinding", "reader-read-cm", "--role=read-cm", "--serviceaccount=" + ns() + ":reader"}).ok());
  ASSERT_TRUE(kubectl({"create", "configmap", "visible", "--from-literal=a=b"}).ok());
  for (const std::string sa : {"reader", "nobody"}) {
    create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: as-)" + sa + R"(}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      serviceAccountName: )" + sa + R"(
      containers:
      - {name: main, image: )" + kUtility + R"(, command: [sh, -c, "kubectl auth whoami -o jsonpath={.status.userInfo.username}; echo; kubectl get configmap visible -o jsonpath={.data.a}"]}
)");
  }
  ASSERT_TRUE(job_has("as-reader", "Complete")) << diagnose("as-reader");
  EXPECT_EQ(logs(pod_of("as-reader"), "main"), "system:serviceaccount:" + ns() + ":reader\nb");
  ASSERT_TRUE(job_has("as-nobody", "Failed")) << "a pod without RBAC must not read ConfigMaps";
  EXPECT_NE(logs(pod_of("as-nobody"), "main").find("Forbidden"), std::string::npos);
}

TEST_F(PodRunnerTest, AFailingContainerFailsTheJobAfterBackoffLimitRetries) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: broken}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [sh, -c, "echo failing; exit 3"]}
)");
  ASSERT_TRUE(job_has("broken", "Failed", 120s)) << diagnose("broken");
  EXPECT_EQ(kubectl({"get", "job", "broken", "-o", "jsonpath={.status.conditions[?(@.type==\"Failed\")].reason}"}).out,
            "BackoffLimitExceeded");
  EXPECT_EQ(kubectl({"get", "job", "broken", "-o", "jsonpath={.status.failed}"}).out, "2") << "one try and one retry";
  const std::string pod = pod_of("broken");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}"}).out, "3");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}"}).out, "Error");
}

TEST_F(PodRunnerTest, OnFailureRestartsTheContainerInPlace) {
  // Fails on its first run (no marker yet in the shared emptyDir), succeeds on the second.
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: retry}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: OnFailure
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes: [{name: state, emptyDir: {}}]
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, volumeMounts: [{name: state, mountPath: /state}],
         command: [sh, -c, "if [ -e /state/tried ]; then echo second; else touch /state/tried; exit 1; fi"]}
)");
  ASSERT_TRUE(job_has("retry", "Complete")) << diagnose("retry");
  const std::string pod = pod_of("retry");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].restartCount}"}).out, "1");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}"}).out, "1");
  EXPECT_EQ(logs(pod, "main"), "second\n");
}

TEST_F(PodRunnerTest, ADeletedPodStopsRunning) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: sleeper}
spec:
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      terminationGracePeriodSeconds: 2
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [sleep, "300"]}
)");
  const std::string pod = pod_of("sleeper");
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt}"}).out != "";
  }, 60s)) << diagnose("sleeper");
  const std::string uid = kubectl({"get", "pod", pod, "-o", "jsonpath={.metadata.uid}"}).out;
  auto running = [&] { return base::run({.argv = {"podman", "ps", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out; };
  EXPECT_NE(running(), "");

  ASSERT_TRUE(kubectl({"delete", "job", "sleeper", "--cascade=foreground", "--wait=false"}).ok());
  EXPECT_TRUE(eventually([&] { return running().empty(); }, 30s)) << "the container outlived its pod";
  EXPECT_TRUE(eventually([&] { return !kubectl({"get", "pod", pod}).ok(); }, 30s)) << "the pod was not finally deleted";
}

TEST_F(PodRunnerTest, ThePaveImageRunsThePaveBinary) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: pave-version}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: pave, image: localhost/pave:dev, args: [version]}
)");
  ASSERT_TRUE(job_has("pave-version", "Complete")) << diagnose("pave-version");
  EXPECT_EQ(logs(pod_of("pave-version"), "pave"), "pave 0.1.0-dev\n");
}

TEST_F(PodRunnerTest, ARestartedRunnerLosesNoRunningPodsOutcome) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: survivor}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [sh, -c, "sleep 4; echo finished"]}
)");
  const std::string pod = pod_of("survivor");
  ASSERT_TRUE(eventually([&] {
    return kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt}"}).out != "";
  }, 60s));
  g_runner->kill();  // SIGKILL while the container runs
  std::this_thread::sleep_for(5s);  // the container finishes while no runner watches
  g_runner->start(cluster(), g_state_dir);
  ASSERT_TRUE(job_has("survivor", "Complete")) << diagnose("survivor");
  EXPECT_EQ(logs(pod, "main"), "finished\n");
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].restartCount}"}).out, "0")
      << "the container must not have been run again";
}

}  // namespace
}  // namespace pave::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pave::testing::ClusterEnvironment);
  ::testing::AddGlobalTestEnvironment(new pave::testing::PodRunnerEnvironment);
  return RUN_ALL_TESTS();
}
