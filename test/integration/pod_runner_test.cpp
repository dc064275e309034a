// The pod runner with the real control plane: the real Job controller and scheduler create and bind
// pods, pave-pod-runner runs them in podman containers from images built here, and reports their status.
// Containers that fail, restart or cannot be created are in pod_runner_failures_test.cpp.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/subprocess.h"
#include "support/pod_runner_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

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
  EXPECT_EQ(kubectl({"get", "pod", pod, "-o", "jsonpath={.spec.nodeName}"}).out, RunnerEnvironment::runner->node());
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
      - {name: gate, emptyDir: {}}
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
        volumeMounts: [{name: cfg, mountPath: /cfg, readOnly: true}, {name: sec, mountPath: /sec}, {name: gate, mountPath: /gate}]
        command: [sh, -c]
        args:
        - |
          echo "$CFG_color $CFG_size $PASSWORD $POD_NS $NOTE $GREETING $PWD"
          cat colour.txt; echo; cat /sec/password; echo
          touch /cfg/x 2>/dev/null && echo writable || echo read-only
          until [ -e /gate/go ]; do sleep 0.2; done
)");
  // The Secret's value never was on podman's command line, which ps shows every user of the host: read
  // while the container runs (the gate holds it), since a finished pod's containers are removed.
  const std::string uid = kubectl({"get", "pod", pod_of("env"), "-o", "jsonpath={.metadata.uid}"}).out;
  ASSERT_TRUE(eventually([&] { return !pod_field(pod_of("env"), ".status.containerStatuses[0].state.running.startedAt").empty(); }, 60s))
      << diagnose("env");
  auto created = base::run({.argv = {"podman", "inspect", "--format", "{{.Config.CreateCommand}}", "pave_" + uid + "_main_0"}});
  ASSERT_TRUE(created.ok()) << created.err;
  EXPECT_NE(created.out.find("--env PASSWORD"), std::string::npos) << created.out;
  EXPECT_EQ(created.out.find("s3cr3t"), std::string::npos) << created.out;
  std::ofstream(RunnerEnvironment::state_dir + "/pods/" + uid + "/volumes/gate/go").put('\n');

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

// A finished pod's containers are removed from podman once its phase is on the API server (each holds
// one of podman's 2,048 locks: kept, some 500 pipeline pods' took them all); what they printed is kept in
// the runner's state directory, every run of it, until the pod is deleted.
TEST_F(PodRunnerTest, AFinishedPodsContainersGoAndTheirOutputStays) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: collected}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: OnFailure
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes: [{name: state, emptyDir: {}}]
      initContainers:
      - {name: setup, image: )" + std::string(kUtility) + R"(, command: [sh, -c, "echo set up; echo to-stderr >&2"]}
      containers:
      - {name: main, image: )" + kUtility + R"(, volumeMounts: [{name: state, mountPath: /state}],
         command: [sh, -c, "if [ -e /state/tried ]; then echo second; else touch /state/tried; echo first; exit 1; fi"]}
)");
  ASSERT_TRUE(job_has("collected", "Complete")) << diagnose("collected");
  const std::string pod = pod_of("collected");
  const std::string uid = pod_field(pod, ".metadata.uid");
  const std::string archive = RunnerEnvironment::state_dir + "/logs/" + uid;
  auto containers_of_pod = [&] {
    return base::run({.argv = {"podman", "ps", "-a", "-q", "--filter", "label=io.pave.pod-uid=" + uid}}).out;
  };
  ASSERT_TRUE(eventually([&] { return containers_of_pod().empty(); }, 30s)) << containers_of_pod();
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(RunnerEnvironment::state_dir + "/pods/" + uid); }, 10s))
      << "its volumes go too";
  EXPECT_EQ(logs(pod, "setup"), "set up\nto-stderr\n");
  EXPECT_EQ(logs(pod, "main"), "second\n");
  EXPECT_EQ(logs(pod, "main", true), "first\n");
  EXPECT_EQ(logs(pod, "setup", true), "") << "setup ran once";
  EXPECT_TRUE(std::filesystem::exists(archive + "/main/1.log"));
  EXPECT_EQ(pod_field(pod, ".status.phase"), "Succeeded");
  EXPECT_EQ(pod_field(pod, ".status.containerStatuses[0].restartCount"), "1");

  // A runner restarted now neither runs it again nor loses its output.
  RunnerEnvironment::runner->kill();
  auto restarted = RunnerEnvironment::runner->start(cluster().kubeconfig, RunnerEnvironment::state_dir);
  ASSERT_FALSE(restarted.has_value()) << *restarted;
  EXPECT_EQ(logs(pod, "main"), "second\n");
  EXPECT_EQ(containers_of_pod(), "");

  ASSERT_TRUE(kubectl({"delete", "pod", pod, "--wait=true", "--timeout=60s"}).ok());
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(archive); }, 30s)) << "the output goes with the pod";
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
      - {name: pave, image: localhost/pave:dev, args: [version], securityContext: )" + kKratixSecurity + R"(}
)");
  ASSERT_TRUE(job_has("pave-version", "Complete")) << diagnose("pave-version");
  EXPECT_EQ(logs(pod_of("pave-version"), "pave"), "pave 0.1.0-dev\n");
}

TEST_F(PodRunnerTest, ANonRootPipelineWritesItsEmptyDirAndReadsItsToken) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: non-root}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes: [{name: output, emptyDir: {}}]
      initContainers:
      - name: writer
        image: )" + std::string(kUtility) + R"(
        securityContext:
          {runAsUser: 65532, runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false,
           capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
        volumeMounts: [{name: output, mountPath: /kratix/output}]
        command: [sh, -c]
        args:
        - |
          id -u
          echo hello > /kratix/output/file && echo wrote
          grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
          kubectl auth whoami -o jsonpath={.status.userInfo.username} 2>&1
      containers:
      - name: reader
        image: )" + kUtility + R"(
        securityContext: {runAsUser: 65532, readOnlyRootFilesystem: true}
        volumeMounts: [{name: output, mountPath: /kratix/output, readOnly: true}]
        command: [sh, -c]
        args:
        - |
          cat /kratix/output/file
          stat -c '%a' /kratix/output
          stat -L -c '%a %u' /var/run/secrets/kubernetes.io/serviceaccount/token
          touch /rootfs-file 2>/dev/null && echo root-writable || echo root-read-only
)");
  ASSERT_TRUE(job_has("non-root", "Complete")) << diagnose("non-root");
  const std::string pod = pod_of("non-root");
  EXPECT_EQ(logs(pod, "writer"), "65532\nwrote\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n"
                                  "system:serviceaccount:" + ns() + ":default");
  // The emptyDir is the kubelet's 0777; the token belongs to the pod's one user, 0600.
  EXPECT_EQ(logs(pod, "reader"), "hello\n777\n600 65532\nroot-read-only\n");
}

TEST_F(PodRunnerTest, FsGroupOwnsTheVolumesAndJoinsTheGroups) {
  ASSERT_TRUE(kubectl({"create", "configmap", "settings", "--from-literal=a=1"}).ok());
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: fs-group}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000]}
      volumes: [{name: data, emptyDir: {}}, {name: cfg, configMap: {name: settings}}]
      containers:
      - name: main
        image: )" + std::string(kUtility) + R"(
        volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /cfg}]
        command: [sh, -c]
        args:
        - |
          echo $(id -u) $(id -g)
          id -G | tr ' ' '\n' | sort -n | tr '\n' ' '; echo
          stat -c '%a %g' /data
          touch /data/new && stat -c '%g' /data/new
          stat -L -c '%a %g' /cfg/a
          stat -L -c '%a %u %g' /var/run/secrets/kubernetes.io/serviceaccount/token
)");
  ASSERT_TRUE(job_has("fs-group", "Complete")) << diagnose("fs-group");
  EXPECT_EQ(logs(pod_of("fs-group"), "main"), "1000 3000\n2000 3000 4000 \n2777 2000\n2000\n644 2000\n640 1000 2000\n");
}

TEST_F(PodRunnerTest, ConfigMapAndSecretFilesHonourTheirModes) {
  ASSERT_TRUE(kubectl({"create", "configmap", "settings", "--from-literal=a=1", "--from-literal=b=2"}).ok());
  ASSERT_TRUE(kubectl({"create", "secret", "generic", "creds", "--from-literal=password=s3cr3t"}).ok());
  // 256 = 0400, 384 = 0600, 288 = 0440: the API speaks decimal.
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: modes}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      volumes:
      - {name: cfg, configMap: {name: settings, defaultMode: 256, items: [{key: a, path: a}, {key: b, path: b, mode: 384}]}}
      - {name: sec, secret: {secretName: creds, defaultMode: 288}}
      containers:
      - name: main
        image: )" + std::string(kUtility) + R"(
        volumeMounts: [{name: cfg, mountPath: /cfg}, {name: sec, mountPath: /sec}]
        command: [sh, -c, "stat -L -c '%a' /cfg/a /cfg/b /sec/password /var/run/secrets/kubernetes.io/serviceaccount/token"]
)");
  ASSERT_TRUE(job_has("modes", "Complete")) << diagnose("modes");
  EXPECT_EQ(logs(pod_of("modes"), "main"), "400\n600\n440\n644\n");
}

TEST_F(PodRunnerTest, ResourceLimitsReachTheContainersCgroup) {
  create_job(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: limited}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: "@NODE@"}
      containers:
      - name: main
        image: )" + std::string(kUtility) + R"(
        resources: {requests: {memory: 32Mi, cpu: 100m}, limits: {memory: 64Mi, cpu: 500m}}
        command: [sh, -c]
        args:
        - |
          cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
          cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max
)");
  ASSERT_TRUE(job_has("limited", "Complete")) << diagnose("limited");
  EXPECT_EQ(logs(pod_of("limited"), "main"), "67108864\n50000\n");
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
  RunnerEnvironment::runner->kill();  // SIGKILL while the container runs
  std::this_thread::sleep_for(5s);  // the container finishes while no runner watches
  auto restarted = RunnerEnvironment::runner->start(cluster().kubeconfig, RunnerEnvironment::state_dir);
  ASSERT_FALSE(restarted.has_value()) << *restarted;
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
  ::testing::AddGlobalTestEnvironment(new pave::testing::RunnerEnvironment("pave-node"));
  return RUN_ALL_TESTS();
}
