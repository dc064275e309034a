// workflows.config.pipelineNamespace on the real control plane (kratix-spec.md 1.1, 3.1, 3.4; Kratix's
// system test promise_features_test): the Promise's and its requests' Jobs, Works and WorkPlacements all
// live in that namespace, requests of one name in two namespaces stay apart, statuses are right, and
// deleting a request and then the Promise leaves nothing there.
#include <gtest/gtest.h>

#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

constexpr const char* kPipelines = "wf-pipelines";

class PipelineNamespaceTest : public WorkflowFixture {
 protected:
  void SetUp() override {
    WorkflowFixture::SetUp();
    cluster().kubectl({"create", "namespace", kPipelines});
    cluster().kubectl({"create", "namespace", other_ns()});
  }
  void TearDown() override {
    WorkflowFixture::TearDown();
    cluster().kubectl({"delete", "namespace", other_ns(), "--wait=false"});
  }
  std::string other_ns() { return ns() + "-b"; }
  size_t count(const std::string& kind, const std::string& selector) { return names(kind, selector, kPipelines).size(); }
};

TEST_F(PipelineNamespaceTest, JobsWorksAndPlacementsLiveInThePipelineNamespace) {
  const std::string cm = "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: %s, namespace: default}\\n' ";
  Json p = promise("wf-pipeline-ns", "PipelineNs",
                   Json::array({pipeline("resource-cm", cm + "\"req-$(yq -r .metadata.namespace /kratix/input/object.yaml)\" "
                                                             "> /kratix/output/cm.yaml")}),
                   Json::array({pipeline("promise-cm", cm + "promise-cm > /kratix/output/cm.yaml")}));
  p["spec"]["workflows"]["config"] = {{"pipelineNamespace", kPipelines}};
  apply(p);
  ASSERT_TRUE(eventually([&] { return promise_field("wf-pipeline-ns", "{.status.status}") == "Available"; }, kLong, kPoll))
      << debug();
  EXPECT_EQ(count("jobs", "kratix.io/promise-name=wf-pipeline-ns,kratix.io/workflow-type=promise"), 1u);
  EXPECT_EQ(count("works", "kratix.io/promise-name=wf-pipeline-ns,kratix.io/work-type=promise"), 1u);
  EXPECT_TRUE(names("jobs", "kratix.io/promise-name=wf-pipeline-ns", "kratix-platform-system").empty());

  // Requests of one name in two namespaces, their pipelines side by side in the pipeline namespace.
  apply(request("PipelineNs", "same"));
  ASSERT_TRUE(kubectl({"apply", "-n", other_ns(), "-f", "-"}, request("PipelineNs", "same").dump()).ok());
  auto reconciled_in = [&](const std::string& in) {
    return get("pipelinenss.wftest.kratix.io", "same", condition("Reconciled", "status"), in) == "True";
  };
  ASSERT_TRUE(eventually([&] { return reconciled_in(ns()) && reconciled_in(other_ns()); }, kLong, kPoll)) << debug();
  for (const auto& in : {ns(), other_ns()}) {
    const std::string mine = "kratix.io/resource-name=same,kratix.io/resource-namespace=" + in;
    EXPECT_EQ(count("jobs", mine), 1u) << in;
    EXPECT_EQ(count("works", mine), 1u) << in;
    EXPECT_EQ(get("pipelinenss.wftest.kratix.io", "same", "{.status.workflowsSucceeded}/{.status.workflows} {.status.message}", in),
              "1/1 Resource requested") << in;
    EXPECT_TRUE(names("jobs", "kratix.io/resource-name=same", in).empty()) << "no Job in the request's own namespace";
    // Under the request's own namespace, so the two do not overwrite each other (Kratix uses the Work's).
    EXPECT_NE(file("worker-1/resources/" + in + "/wf-pipeline-ns/same/resource-cm/5058f/cm.yaml").find("name: req-" + in),
              std::string::npos) << in;
  }
  EXPECT_EQ(count("workplacements", "kratix.io/targetDestinationName=worker-1"), 3u) << "the Promise's and both requests'";

  // A request deleted takes what it had there; the other's stays.
  ASSERT_TRUE(kubectl({"delete", "pipelinenss.wftest.kratix.io", "same", "--timeout=120s"}).ok());
  ASSERT_TRUE(eventually([&] {
    return count("works", "kratix.io/resource-name=same,kratix.io/resource-namespace=" + ns()) == 0 &&
           count("jobs", "kratix.io/resource-name=same,kratix.io/resource-namespace=" + ns()) == 0;
  }, kLong, kPoll)) << debug();
  EXPECT_EQ(count("works", "kratix.io/resource-name=same,kratix.io/resource-namespace=" + other_ns()), 1u);

  // The Promise deleted leaves nothing of it in the pipeline namespace.
  ASSERT_TRUE(cluster().kubectl({"delete", "promise", "wf-pipeline-ns", "--timeout=180s"}).ok());
  for (const char* kind : {"jobs", "works", "serviceaccounts", "configmaps", "roles", "rolebindings"}) {
    EXPECT_EQ(count(kind, "kratix.io/promise-name=wf-pipeline-ns"), 0u) << kind;
  }
  EXPECT_EQ(count("workplacements", "kratix.io/targetDestinationName=worker-1"), 0u);
}

}  // namespace
}  // namespace pave::testing
