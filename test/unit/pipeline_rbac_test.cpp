// The ServiceAccount, RBAC objects and scheduling ConfigMap of a pipeline run (kratix-spec.md 3.4, 12):
// Kratix's own roles, user permissions in the pipeline namespace, a named namespace and "*", with their
// deterministic names and labels.
#include "workflow/job_builder.h"

#include <gtest/gtest.h>

#include "job_builder_fixtures.h"

namespace pave::workflow {
namespace {

using namespace test;

TEST(PipelineRbac, PromiseWorkflowClusterRoleReadsPromisesAndWritesWorks) {
  auto o = build(promise_run());
  EXPECT_EQ(o.cluster_roles[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: redis-promise-configure-promise-configure
  labels: {kratix.io/promise-name: redis}
rules:
  - apiGroups: [platform.kratix.io]
    resources: [promises, promises/status, works]
    verbs: [get, list, update, create, patch]
)"));
  EXPECT_EQ(o.cluster_role_bindings[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: redis-promise-configure-promise-configure
  labels: {kratix.io/promise-name: redis}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: redis-promise-configure-promise-configure}
subjects:
  - {kind: ServiceAccount, name: redis-promise-configure-promise-configure, namespace: kratix-platform-system}
)"));
}

TEST(PipelineRbac, ResourceWorkflowRoleReadsTheRequestAndOwnsWorks) {
  auto o = build(resource_run());
  EXPECT_EQ(o.roles[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: redis-resource-configure-instance-configure
  namespace: default
  labels: {kratix.io/promise-name: redis}
rules:
  - apiGroups: [marketplace.kratix.io]
    resources: [redis, redis/status]
    verbs: [get, list, update, create, patch]
  - apiGroups: [platform.kratix.io]
    resources: [works]
    verbs: ["*"]
)"));
  EXPECT_EQ(o.role_bindings[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: redis-resource-configure-instance-configure
  namespace: default
  labels: {kratix.io/promise-name: redis}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: redis-resource-configure-instance-configure}
subjects:
  - {kind: ServiceAccount, name: redis-resource-configure-instance-configure, namespace: default}
)"));
}

constexpr const char* kPermissionsPipeline = R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Pipeline
metadata: {name: instance-configure}
spec:
  containers: [{name: c, image: c}]
  rbac:
    permissions:
      - {apiGroups: [""], resources: [configmaps], verbs: [get]}
      - {resourceNamespace: team-a, apiGroups: [apps], resources: [deployments], verbs: [list]}
      - {resourceNamespace: "*", apiGroups: [""], resources: [secrets], resourceNames: [shared], verbs: [get]}
      - {apiGroups: [batch], resources: [jobs], verbs: [create]}
)";

TEST(PipelineRbac, UserPermissionsInThePipelineNamespaceBecomeOneRole) {
  auto run = resource_run();
  run.pipeline = pipeline_from(kPermissionsPipeline);
  auto o = build(run);
  ASSERT_EQ(o.roles.size(), 2u);
  EXPECT_EQ(o.roles[1], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: redis-resource-configure-instance-configure-9eea4
  namespace: default
  labels:
    kratix.io/promise-name: redis
    kratix.io/workflow-type: resource
    kratix.io/workflow-action: configure
    kratix.io/pipeline-name: instance-configure
    kratix.io/pipeline-namespace: default
rules:
  - {apiGroups: [""], resources: [configmaps], verbs: [get]}
  - {apiGroups: [batch], resources: [jobs], verbs: [create]}
)"));
  ASSERT_EQ(o.role_bindings.size(), 3u);
  EXPECT_EQ(o.role_bindings[1]["metadata"], o.roles[1]["metadata"]);
  EXPECT_EQ(o.role_bindings[1]["roleRef"],
            yaml("{apiGroup: rbac.authorization.k8s.io, kind: Role, name: redis-resource-configure-instance-configure-9eea4}"));
}

TEST(PipelineRbac, UserPermissionsInANamedNamespaceBecomeABoundClusterRole) {
  auto run = resource_run();
  run.pipeline = pipeline_from(kPermissionsPipeline);
  auto o = build(run);
  ASSERT_EQ(o.cluster_roles.size(), 2u);  // "*" then team-a (namespaces in sorted order)
  Json labels = yaml(R"(
kratix.io/promise-name: redis
kratix.io/workflow-type: resource
kratix.io/workflow-action: configure
kratix.io/pipeline-name: instance-configure
kratix.io/pipeline-namespace: default
kratix.io/resource-namespace: team-a
)");
  EXPECT_EQ(o.cluster_roles[1], (Json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                      {"kind", "ClusterRole"},
                                      {"metadata",
                                       {{"name", "redis-resource-configure-instance-configure-team-a-0f595"},
                                        {"labels", labels}}},
                                      {"rules", yaml("[{apiGroups: [apps], resources: [deployments], verbs: [list]}]")}}));
  EXPECT_EQ(o.role_bindings[2], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: redis-resource-configure-instance-configure-default-082d7
  namespace: team-a
  labels:
    kratix.io/promise-name: redis
    kratix.io/workflow-type: resource
    kratix.io/workflow-action: configure
    kratix.io/pipeline-name: instance-configure
    kratix.io/pipeline-namespace: default
    kratix.io/resource-namespace: team-a
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: redis-resource-configure-instance-configure-team-a-0f595}
subjects:
  - {kind: ServiceAccount, name: redis-resource-configure-instance-configure, namespace: default}
)"));
}

TEST(PipelineRbac, UserPermissionsInAllNamespacesBecomeAClusterRoleAndClusterBinding) {
  auto run = resource_run();
  run.pipeline = pipeline_from(kPermissionsPipeline);
  auto o = build(run);
  EXPECT_EQ(o.cluster_roles[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: redis-resource-configure-instance-configure-kratix-all-n-e0567
  labels:
    kratix.io/promise-name: redis
    kratix.io/workflow-type: resource
    kratix.io/workflow-action: configure
    kratix.io/pipeline-name: instance-configure
    kratix.io/pipeline-namespace: default
    kratix.io/resource-namespace: kratix_all_namespaces
rules:
  - {apiGroups: [""], resources: [secrets], resourceNames: [shared], verbs: [get]}
)"));
  ASSERT_EQ(o.cluster_role_bindings.size(), 1u);
  EXPECT_EQ(o.cluster_role_bindings[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: redis-resource-configure-instance-configure-default-082d7
  labels:
    kratix.io/promise-name: redis
    kratix.io/workflow-type: resource
    kratix.io/workflow-action: configure
    kratix.io/pipeline-name: instance-configure
    kratix.io/pipeline-namespace: default
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: redis-resource-configure-instance-configure-kratix-all-n-e0567}
subjects:
  - {kind: ServiceAccount, name: redis-resource-configure-instance-configure, namespace: default}
)"));
}

TEST(PipelineRbac, PromiseUserPermissionsAreLabelledWithThePromiseWorkflow) {
  auto run = promise_run();
  run.pipeline.rbac.permissions = {Permission{.api_groups = {""}, .resources = {"namespaces"}, .verbs = {"create"}}};
  auto o = build(run);
  ASSERT_EQ(o.roles.size(), 1u);
  EXPECT_EQ(o.roles[0]["metadata"]["name"], "redis-promise-configure-promise-configure-d5cf4");
  EXPECT_EQ(o.roles[0]["metadata"]["namespace"], "kratix-platform-system");
  EXPECT_EQ(o.roles[0]["metadata"]["labels"]["kratix.io/workflow-type"], "promise");
  EXPECT_EQ(o.roles[0]["metadata"]["labels"]["kratix.io/pipeline-namespace"], "kratix-platform-system");
}

TEST(PipelineRbac, NamedServiceAccountIsUsedAndFlagged) {
  auto run = resource_run();
  run.pipeline.rbac.service_account = "my-sa";
  auto o = build(run);
  EXPECT_TRUE(o.user_service_account);
  EXPECT_EQ(o.service_account["metadata"]["name"], "my-sa");
  EXPECT_EQ(o.service_account["metadata"]["namespace"], "default");
  EXPECT_EQ(pod(o)["serviceAccountName"], "my-sa");
  EXPECT_EQ(o.role_bindings[0]["subjects"][0]["name"], "my-sa");
  EXPECT_EQ(o.roles[0]["metadata"]["name"], "redis-resource-configure-instance-configure")
      << "RBAC objects keep the pipeline ID";
}

// ---- the scheduling ConfigMap ----

TEST(PipelineRbac, SchedulingConfigMapListsThePromiseSelectors) {
  auto run = resource_run();
  run.promise["spec"]["destinationSelectors"].push_back({{"matchLabels", {{"zone", "eu"}, {"tier", "gold"}}}});
  auto o = build(run);
  ASSERT_TRUE(o.config_map);
  EXPECT_EQ((*o.config_map)["metadata"]["labels"], (Json{{"kratix.io/promise-name", "redis"}}));
  EXPECT_EQ((*o.config_map)["data"]["destinationSelectors"],
            "- matchLabels:\n"
            "    environment: dev\n"
            "  source: promise\n"
            "- matchLabels:\n"
            "    tier: gold\n"
            "    zone: eu\n"
            "  source: promise\n");
}

TEST(PipelineRbac, SchedulingConfigMapOfAPromiseWithoutSelectorsIsAnEmptyList) {
  auto run = promise_run();
  run.promise["spec"].erase("destinationSelectors");
  auto o = build(run);
  EXPECT_EQ(kube::parse_yaml((*o.config_map)["data"]["destinationSelectors"].get<std::string>()).value(),
            Json::array());
}

}  // namespace
}  // namespace pave::workflow
