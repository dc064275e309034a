// The pod runner when containers fail, restart or cannot be created or started: the pod's status says
// so as a kubelet's would (reasons, exit codes, restart counts), the Job controller acts on it, and
// nothing piles up in podman. Part of pod_runner_test (one binary, one control plane and runner).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "support/pod_runner_fixture.h"

namespace pave::testing {
namespace {

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

// A container that fails at every run is restarted for ever (here until backoffLimit), keeping only its
// latest run and the one before, as a kubelet does: every run kept would hold one of podman's locks.
TEST_F(PodRunnerTest, ARestartingContainerKeepsOnlyItsLastTwoRuns) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: crashing}
spec:
  backoffLimit: 20
  template:
    spec:
      restartPolicy: OnFailure
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [sh, -c, "echo run; exit 1"]}
)");
  const std::string pod = pod_of("crashing");
  ASSERT_TRUE(eventually([&] {
    return std::atoi(pod_field(pod, ".status.containerStatuses[0].restartCount").c_str()) >= 4;
  }, 90s)) << diagnose("crashing");
  const std::string uid = pod_field(pod, ".metadata.uid");
  std::string ids;
  // (A third shows for the moment between a restart and the removal of the oldest.)
  EXPECT_TRUE(eventually([&] {
    ids = base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out;
    return std::count(ids.begin(), ids.end(), '\n') == 2;
  }, 5s)) << ids;
  EXPECT_EQ(logs(pod, "main", true), "run\n");
}

TEST_F(PodRunnerTest, RunAsNonRootRefusesARootImageWithTheKubeletsReason) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: root-image}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [id, -u], securityContext: {runAsNonRoot: true}}
)");
  const std::string pod = pod_of("root-image");
  ASSERT_TRUE(eventually([&] {
    return pod_field(pod, ".status.containerStatuses[0].state.waiting.reason") == "CreateContainerConfigError";
  }, 60s)) << diagnose("root-image");
  const std::string uid = pod_field(pod, ".metadata.uid");
  EXPECT_EQ(pod_field(pod, ".status.containerStatuses[0].state.waiting.message"),
            "container has runAsNonRoot and image will run as root (pod: \"" + pod + "_" + ns() + "(" + uid +
                ")\", container: main)");
  EXPECT_EQ(pod_field(pod, ".status.phase"), "Pending");
  // The Job controller sees what a kubelet would show it: one active pod, nothing failed.
  EXPECT_EQ(kubectl({"get", "job", "root-image", "-o", "jsonpath={.status.active} {.status.failed}"}).out, "1 ");
  EXPECT_EQ(base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out, "")
      << "no container may be created";
}

TEST_F(PodRunnerTest, AMissingImageIsErrImagePullThenImagePullBackOff) {
  const std::string missing = "localhost/pave-missing-image:dev";
  auto job = [&](const std::string& name, const std::string& image, const std::string& policy) {
    create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: )" + name + R"(}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + image + ", imagePullPolicy: " + policy + R"(, command: [id]}
)");
    return pod_of(name);
  };
  const std::string if_not_present = job("if-not-present", missing, "IfNotPresent");
  const std::string never = job("never", missing, "Never");
  const std::string always = job("always", kUtility, "Always");  // here, but Always must ask the registry
  const std::string waiting = ".status.containerStatuses[0].state.waiting";
  // ErrImagePull shows until the next look, a fraction of a second later: read reason and message together.
  std::string first_message;
  ASSERT_TRUE(eventually([&] {
    const std::string state = pod_field(if_not_present, waiting + ".reason}|{" + waiting + ".message");
    first_message = state.substr(state.find('|') + 1);
    return state.starts_with("ErrImagePull|");
  }, 60s, 50ms)) << diagnose("if-not-present");
  EXPECT_TRUE(first_message.starts_with("Failed to pull image \"" + missing + "\": ")) << first_message;
  EXPECT_TRUE(eventually([&] { return pod_field(if_not_present, waiting + ".reason") == "ImagePullBackOff"; }, 30s))
      << diagnose("if-not-present");
  EXPECT_EQ(pod_field(if_not_present, waiting + ".message"), "Back-off pulling image \"" + missing + "\"");
  EXPECT_TRUE(eventually([&] { return pod_field(never, waiting + ".reason") == "ErrImageNeverPull"; }, 60s));
  EXPECT_EQ(pod_field(never, waiting + ".message"),
            "Container image \"" + missing + "\" is not present with pull policy of Never");
  EXPECT_TRUE(eventually([&] {
    const std::string reason = pod_field(always, waiting + ".reason");
    return reason == "ErrImagePull" || reason == "ImagePullBackOff";
  }, 60s)) << diagnose("always");
  for (const char* name : {"if-not-present", "never", "always"}) {
    EXPECT_EQ(kubectl({"get", "job", name, "-o", "jsonpath={.status.active} {.status.failed}"}).out, "1 ") << name;
  }
}

// A container podman creates but cannot start (its command is not in the image) ended, as a kubelet's
// StartError: exit code 128 and the runtime's reason, so the pod and its Job fail rather than wait.
TEST_F(PodRunnerTest, ACommandNotInTheImageIsAStartErrorThatFailsThePod) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: no-program}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [/no/such/program]}
)");
  ASSERT_TRUE(job_has("no-program", "Failed")) << diagnose("no-program");
  const std::string pod = pod_of("no-program");
  EXPECT_EQ(pod_field(pod, ".status.phase"), "Failed");
  const std::string state = ".status.containerStatuses[0].state.terminated";
  EXPECT_EQ(pod_field(pod, state + ".reason") + " " + pod_field(pod, state + ".exitCode"), "StartError 128");
  EXPECT_NE(pod_field(pod, state + ".message").find("/no/such/program"), std::string::npos) << pod_field(pod, state);
}

// A container podman refuses to create (here: a hostPath that does not exist, which podman will not make)
// waits with CreateContainerError and podman's reason, and is created once the cause is gone.
TEST_F(PodRunnerTest, AContainerPodmanCannotCreateIsCreateContainerErrorUntilItCan) {
  const auto dir = std::filesystem::temp_directory_path() / ("pave-missing-" + ns());
  std::filesystem::remove_all(dir);
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: missing-path}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes: [{name: host, hostPath: {path: )" + dir.string() + R"(}}]
      containers:
      - {name: main, image: )" + std::string(kUtility) + R"(, command: [ls, /host], volumeMounts: [{name: host, mountPath: /host}]}
)");
  const std::string pod = pod_of("missing-path");
  const std::string waiting = ".status.containerStatuses[0].state.waiting";
  ASSERT_TRUE(eventually([&] { return pod_field(pod, waiting + ".reason") == "CreateContainerError"; }, 60s))
      << diagnose("missing-path");
  EXPECT_NE(pod_field(pod, waiting + ".message").find("no such file or directory"), std::string::npos) << pod_field(pod, waiting);
  EXPECT_EQ(pod_field(pod, ".status.phase"), "Pending");
  const std::string uid = pod_field(pod, ".metadata.uid");
  EXPECT_EQ(base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out, "");

  std::filesystem::create_directories(dir);
  std::ofstream(dir / "found") << "";
  EXPECT_TRUE(job_has("missing-path", "Complete")) << diagnose("missing-path");
  EXPECT_EQ(logs(pod, "main"), "found\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pave::testing
