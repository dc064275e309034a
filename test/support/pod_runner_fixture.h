// The fixture of the pod runner's tests (pod_runner_test.cpp, pod_runner_failures_test.cpp): Jobs in the
// test's namespace pinned to the runner's Node, and what a test reads back of them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/cluster_environment.h"
#include "support/runner_environment.h"

namespace pave::testing {

using namespace std::chrono_literals;

inline const char* kUtility = "localhost/pave-pipeline-utility:dev";
// Kratix's security context for its own pipeline containers (kratix-spec.md 3.1): the image's user must
// not be root.
inline const std::string kKratixSecurity = "{runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, "
                                    "capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}";

class PodRunnerTest : public ClusterTest {
 protected:
  // Creates a Job from YAML (the namespace is the test's; @NODE@ becomes the pod runner's Node, so
  // other Nodes in a shared cluster never take the pods).
  void create_job(std::string yaml) {
    for (auto at = yaml.find("@NODE@"); at != std::string::npos; at = yaml.find("@NODE@")) {
      yaml.replace(at, 6, RunnerEnvironment::runner->node());
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
  std::string logs(const std::string& pod, const std::string& container, bool previous = false) {
    return RunnerEnvironment::runner->logs(cluster().kubeconfig, ns() + "/" + pod, container, previous);
  }
  std::string pod_field(const std::string& pod, const std::string& jsonpath) {
    return kubectl({"get", "pod", pod, "-o", "jsonpath={" + jsonpath + "}"}).out;
  }
  std::string diagnose(const std::string& job) {
    return kubectl({"get", "job,pods", "-o", "yaml"}).out + "\n" + job;
  }
};

}  // namespace pave::testing
