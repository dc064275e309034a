// The Job builder against kratix-spec.md 3.1-3.3 and the golden names of section 12 (what Kratix's
// pipeline_types_test pins down): names, labels, env vars, volumes and mounts, container order, security
// contexts and defaults, for every workflow type and action. RBAC and the ConfigMap: pipeline_rbac_test.cpp.
#include "workflow/job_builder.h"

#include <gtest/gtest.h>

#include "job_builder_fixtures.h"

namespace pave::workflow {
namespace {

using namespace test;

// ---- names and namespaces (spec 12) ----

TEST(JobBuilder, PromiseConfigureUsesTheGoldenNames) {
  auto o = build(promise_run());
  EXPECT_EQ(o.pipeline_id, "redis-promise-configure-promise-configure");
  EXPECT_EQ(o.ns, "kratix-platform-system");
  EXPECT_EQ(o.service_account["metadata"]["name"], "redis-promise-configure-promise-configure");
  EXPECT_EQ(o.service_account["metadata"]["namespace"], "kratix-platform-system");
  EXPECT_FALSE(o.user_service_account);
  ASSERT_EQ(o.cluster_roles.size(), 1u);
  ASSERT_EQ(o.cluster_role_bindings.size(), 1u);
  EXPECT_EQ(o.cluster_roles[0]["metadata"]["name"], "redis-promise-configure-promise-configure");
  EXPECT_EQ(o.cluster_role_bindings[0]["metadata"]["name"], "redis-promise-configure-promise-configure");
  EXPECT_TRUE(o.roles.empty());
  EXPECT_TRUE(o.role_bindings.empty());
  ASSERT_TRUE(o.config_map);
  EXPECT_EQ((*o.config_map)["metadata"]["name"], "destination-selectors-redis");
  EXPECT_EQ((*o.config_map)["metadata"]["namespace"], "kratix-platform-system");
  EXPECT_EQ(o.job["metadata"]["namespace"], "kratix-platform-system");
  EXPECT_TRUE(has_random_suffix(o.job["metadata"]["name"], "kratix-redis-promise-configure-"))
      << o.job["metadata"]["name"];
}

TEST(JobBuilder, ResourceConfigureUsesTheGoldenNames) {
  auto o = build(resource_run());
  EXPECT_EQ(o.pipeline_id, "redis-resource-configure-instance-configure");
  EXPECT_EQ(o.ns, "default");
  EXPECT_EQ(o.service_account,
            yaml(R"(
apiVersion: v1
kind: ServiceAccount
metadata:
  name: redis-resource-configure-instance-configure
  namespace: default
  labels: {kratix.io/promise-name: redis}
)"));
  ASSERT_EQ(o.roles.size(), 1u);
  ASSERT_EQ(o.role_bindings.size(), 1u);
  EXPECT_EQ(o.roles[0]["metadata"]["name"], "redis-resource-configure-instance-configure");
  EXPECT_EQ(o.roles[0]["metadata"]["namespace"], "default");
  EXPECT_EQ(o.role_bindings[0]["metadata"]["name"], "redis-resource-configure-instance-configure");
  EXPECT_TRUE(o.cluster_roles.empty()) << "the request is in the pipeline's namespace";
  EXPECT_TRUE(o.cluster_role_bindings.empty());
  EXPECT_EQ((*o.config_map)["metadata"]["name"], "destination-selectors-redis");
  EXPECT_EQ((*o.config_map)["metadata"]["namespace"], "default");
  EXPECT_EQ(o.job["metadata"]["namespace"], "default");
  EXPECT_TRUE(has_random_suffix(o.job["metadata"]["name"], "kratix-redis-example-instance-configure-"));
}

TEST(JobBuilder, LongJobNamesAreCutTo62Characters) {
  auto run = resource_run();
  run.object["metadata"]["name"] = std::string(50, 'r');
  auto o = build(run);
  std::string name = o.job["metadata"]["name"];
  EXPECT_EQ(name.size(), 62u);
  EXPECT_TRUE(has_random_suffix(name, "kratix-redis-" + std::string(43, 'r') + "-")) << name;
}

TEST(JobBuilder, PipelineNamespaceMovesEverythingAndNamesTheRequestNamespace) {
  auto run = resource_run();
  run.pipeline_namespace = "pipelines";
  auto o = build(run);
  EXPECT_EQ(o.ns, "pipelines");
  EXPECT_EQ(o.job["metadata"]["namespace"], "pipelines");
  EXPECT_TRUE(has_random_suffix(o.job["metadata"]["name"], "kratix-redis-example-default-instance-configure-"));
  EXPECT_EQ(o.service_account["metadata"]["namespace"], "pipelines");
  EXPECT_EQ((*o.config_map)["metadata"]["namespace"], "pipelines");
  EXPECT_EQ(o.roles[0]["metadata"]["namespace"], "pipelines");
  EXPECT_FALSE(o.job["metadata"].contains("ownerReferences")) << "an owner in another namespace is no owner";

  ASSERT_EQ(o.cluster_roles.size(), 1u) << "the Role in 'pipelines' cannot reach the request in 'default'";
  EXPECT_EQ(o.cluster_roles[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: redis-resource-configure-instance-configure-default
  labels: {kratix.io/promise-name: redis}
rules:
  - apiGroups: [marketplace.kratix.io]
    resources: [redis, redis/status]
    verbs: [get, list, update, create, patch]
)"));
  ASSERT_EQ(o.cluster_role_bindings.size(), 1u);
  EXPECT_EQ(o.cluster_role_bindings[0], yaml(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: redis-resource-configure-instance-configure-default
  labels: {kratix.io/promise-name: redis}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: redis-resource-configure-instance-configure-default}
subjects:
  - {kind: ServiceAccount, name: redis-resource-configure-instance-configure, namespace: pipelines}
)"));
}

TEST(JobBuilder, PromisePipelineNamespaceReplacesTheSystemNamespace) {
  auto run = promise_run();
  run.pipeline_namespace = "platform-pipelines";
  auto o = build(run);
  EXPECT_EQ(o.job["metadata"]["namespace"], "platform-pipelines");
  EXPECT_TRUE(has_random_suffix(o.job["metadata"]["name"], "kratix-redis-promise-configure-"))
      << "only resource Job names carry a namespace";
  EXPECT_FALSE(o.job["metadata"]["labels"].contains("kratix.io/resource-namespace"));
}

TEST(JobBuilder, ConfiguredPipelineNamespaceIsReadFromThePromise) {
  Json promise = redis_promise();
  EXPECT_EQ(configured_pipeline_namespace(promise), "");
  promise["spec"]["workflows"]["config"]["pipelineNamespace"] = "pipelines";
  EXPECT_EQ(configured_pipeline_namespace(promise), "pipelines");
}

// ---- labels, annotations, owners ----

TEST(JobBuilder, ResourceJobAndPodCarryKratixAndPipelineLabels) {
  auto run = resource_run();
  auto o = build(run);
  Json expected = {{"kratix.io/promise-name", "redis"},
                   {"kratix.io/workflow-type", "resource"},
                   {"kratix.io/workflow-action", "configure"},
                   {"kratix.io/pipeline-name", "instance-configure"},
                   {"app.kubernetes.io/managed-by", "Kratix"},
                   {"kratix.io/hash", resource_workflow_hash(run.promise, run.object)},
                   {"kratix.io/resource-name", "example"},
                   {"team", "cache"}};
  EXPECT_EQ(o.job["metadata"]["labels"], expected);
  EXPECT_EQ(o.job["spec"]["template"]["metadata"]["labels"], expected);
  EXPECT_EQ(o.job["spec"]["template"]["metadata"]["annotations"], (Json{{"note", "hello"}}));
  EXPECT_FALSE(o.job["metadata"]["annotations"].contains("note")) << "pipeline annotations go on the Pod only";
}

TEST(JobBuilder, ResourceNamespaceLabelOnlyWithPipelineNamespace) {
  auto run = resource_run();
  run.pipeline_namespace = "pipelines";
  auto o = build(run);
  EXPECT_EQ(o.job["metadata"]["labels"]["kratix.io/resource-namespace"], "default");
  EXPECT_EQ(o.job["spec"]["template"]["metadata"]["labels"]["kratix.io/resource-namespace"], "default");
}

TEST(JobBuilder, PromiseJobLabelsHaveNoResourceName) {
  auto run = promise_run(WorkflowAction::kDelete);
  auto o = build(run);
  Json labels = o.job["metadata"]["labels"];
  EXPECT_EQ(labels["kratix.io/workflow-type"], "promise");
  EXPECT_EQ(labels["kratix.io/workflow-action"], "delete");
  EXPECT_EQ(labels["kratix.io/hash"], promise_workflow_hash(run.promise));
  EXPECT_FALSE(labels.contains("kratix.io/resource-name"));
  EXPECT_FALSE(o.job["spec"]["template"]["metadata"].contains("annotations"));
}

TEST(JobBuilder, JobAnnotationsNameTheObject) {
  EXPECT_EQ(build(resource_run()).job["metadata"]["annotations"],
            (Json{{"kratix.io/job-resource-namespace", "default"},
                  {"kratix.io/job-resource-name", "example"},
                  {"kratix.io/job-resource-kind", "redis"},
                  {"kratix.io/job-resource-api-version", "marketplace.kratix.io/v1alpha1"}}));
  EXPECT_EQ(build(promise_run()).job["metadata"]["annotations"],
            (Json{{"kratix.io/job-resource-namespace", ""},
                  {"kratix.io/job-resource-name", "redis"},
                  {"kratix.io/job-resource-kind", "Promise"},
                  {"kratix.io/job-resource-api-version", "platform.kratix.io/v1alpha1"}}));
}

TEST(JobBuilder, OwnersArePromiseOrSameNamespaceRequest) {
  EXPECT_EQ(build(promise_run()).job["metadata"]["ownerReferences"], yaml(R"(
- {apiVersion: platform.kratix.io/v1alpha1, kind: Promise, name: redis, uid: promise-uid, controller: true, blockOwnerDeletion: true}
)"));
  EXPECT_EQ(build(resource_run()).job["metadata"]["ownerReferences"], yaml(R"(
- {apiVersion: marketplace.kratix.io/v1alpha1, kind: redis, name: example, uid: rr-uid, controller: true, blockOwnerDeletion: true}
)"));
}

// ---- pod layout ----

TEST(JobBuilder, ConfigureRunsReaderUserContainersWorkWriterThenStatusWriter) {
  auto o = build(resource_run());
  EXPECT_EQ(names(pod(o)["initContainers"]),
            (std::vector<std::string>{"reader", "generate", "second", "work-writer"}));
  EXPECT_EQ(names(pod(o)["containers"]), (std::vector<std::string>{"status-writer"}));
  EXPECT_EQ(pod(o)["restartPolicy"], "OnFailure");
  EXPECT_EQ(pod(o)["serviceAccountName"], "redis-resource-configure-instance-configure");
  EXPECT_FALSE(pod(o).contains("securityContext")) << "no pod-level security context";
  EXPECT_FALSE(o.job["spec"].contains("backoffLimit"));
}

TEST(JobBuilder, DeleteHasNoWorkWriterVolumeOrConfigMap) {
  for (auto run : {resource_run(WorkflowAction::kDelete), promise_run(WorkflowAction::kDelete)}) {
    auto o = build(run);
    std::vector<std::string> expected_init = {"reader"};
    for (const Json& c : run.pipeline.containers) expected_init.push_back(c["name"]);
    EXPECT_EQ(names(pod(o)["initContainers"]), expected_init);
    EXPECT_EQ(names(pod(o)["containers"]), (std::vector<std::string>{"status-writer"}));
    EXPECT_FALSE(o.config_map);
    for (const Json& v : pod(o)["volumes"]) EXPECT_NE(v["name"], "promise-scheduling");
  }
}

TEST(JobBuilder, VolumesAreSchedulingSharedThenUsers) {
  auto o = build(resource_run());
  EXPECT_EQ(pod(o)["volumes"], yaml(R"(
- name: promise-scheduling
  configMap:
    name: destination-selectors-redis
    items: [{key: destinationSelectors, path: promise-scheduling}]
- {name: shared-input, emptyDir: {}}
- {name: shared-output, emptyDir: {}}
- {name: shared-metadata, emptyDir: {}}
- {name: cache, emptyDir: {}}
)"));
}

TEST(JobBuilder, MountsFollowTheContractTable) {
  auto o = build(resource_run());
  const Json& init = pod(o)["initContainers"];
  EXPECT_EQ(init[0]["volumeMounts"], yaml(R"(
- {name: shared-input, mountPath: /kratix/input}
- {name: shared-output, mountPath: /kratix/output}
)"));
  EXPECT_EQ(init[1]["volumeMounts"], yaml(R"(
- {name: shared-input, mountPath: /kratix/input, readOnly: true}
- {name: shared-output, mountPath: /kratix/output}
- {name: shared-metadata, mountPath: /kratix/metadata}
- {name: cache, mountPath: /cache}
)"));
  EXPECT_EQ(init[2]["volumeMounts"].size(), 3u) << "a container without mounts gets Kratix's";
  EXPECT_EQ(init[3]["volumeMounts"], yaml(R"(
- {name: shared-output, mountPath: /work-creator-files/input}
- {name: shared-metadata, mountPath: /work-creator-files/metadata}
- {name: promise-scheduling, mountPath: /work-creator-files/kratix-system}
)"));
  EXPECT_EQ(pod(o)["containers"][0]["volumeMounts"], yaml(R"(
- {name: shared-metadata, mountPath: /work-creator-files/metadata}
)"));
}

// ---- env vars (spec 3.3) ----

TEST(JobBuilder, ReaderAndUserContainersGetKratixEnvWithUserEnvLast) {
  auto o = build(resource_run());
  const Json& init = pod(o)["initContainers"];
  EXPECT_EQ(init[0]["env"], resource_env());
  Json user = resource_env();
  user.push_back({{"name", "SIZE"}, {"value", "small"}});
  EXPECT_EQ(init[1]["env"], user);
  EXPECT_EQ(init[2]["env"], resource_env());
}

TEST(JobBuilder, PromiseWorkflowEnvDescribesThePromise) {
  auto o = build(promise_run());
  EXPECT_EQ(pod(o)["initContainers"][1]["env"],
            env({{"KRATIX_WORKFLOW_ACTION", "configure"},
                 {"KRATIX_WORKFLOW_TYPE", "promise"},
                 {"KRATIX_PROMISE_NAME", "redis"},
                 {"KRATIX_PIPELINE_NAME", "promise-configure"},
                 {"KRATIX_OBJECT_KIND", "Promise"},
                 {"KRATIX_OBJECT_GROUP", "platform.kratix.io"},
                 {"KRATIX_OBJECT_VERSION", "v1alpha1"},
                 {"KRATIX_OBJECT_NAME", "redis"},
                 {"KRATIX_OBJECT_NAMESPACE", ""},
                 {"KRATIX_CRD_PLURAL", "promises"},
                 {"KRATIX_CLUSTER_SCOPED", "true"}}));
}

TEST(JobBuilder, StatusWriterKnowsWhetherItIsTheLastPipeline) {
  auto run = resource_run();
  Json expected = env({{"IS_LAST_PIPELINE", "false"}});
  for (const Json& e : resource_env()) expected.push_back(e);
  EXPECT_EQ(pod(build(run))["containers"][0]["env"], expected);
  run.index = 1;
  EXPECT_EQ(pod(build(run))["containers"][0]["env"][0], (Json{{"name", "IS_LAST_PIPELINE"}, {"value", "true"}}));
}

TEST(JobBuilder, WorkWriterGetsTraceContextFromPodAnnotations) {
  auto o = build(resource_run());
  EXPECT_EQ(pod(o)["initContainers"][3]["env"], yaml(R"(
- name: KRATIX_TRACE_PARENT
  valueFrom: {fieldRef: {fieldPath: "metadata.annotations['kratix.io/trace-parent']"}}
- name: KRATIX_TRACE_STATE
  valueFrom: {fieldRef: {fieldPath: "metadata.annotations['kratix.io/trace-state']"}}
)"));
}

TEST(JobBuilder, DryRunTellsEveryContainer) {
  auto run = resource_run();
  run.dry_run = true;
  auto o = build(run);
  Json dry = {{"name", "KRATIX_DRY_RUN"}, {"value", "true"}};
  EXPECT_EQ(pod(o)["initContainers"][0]["env"].back(), dry);
  EXPECT_EQ(pod(o)["initContainers"][2]["env"].back(), dry);
  EXPECT_EQ(pod(o)["initContainers"][3]["env"].back(), dry);
  EXPECT_EQ(pod(o)["containers"][0]["env"].back(), dry);
  auto plain = build(resource_run());
  for (const Json& e : pod(plain)["initContainers"][0]["env"]) EXPECT_NE(e["name"], "KRATIX_DRY_RUN");
}

// ---- Kratix's containers ----

TEST(JobBuilder, AdapterContainersRunPaveAdapterLockedDown) {
  auto o = build(resource_run());
  const Json& init = pod(o)["initContainers"];
  for (const Json* c : {&init[0], &init[3], &pod(o)["containers"][0]}) {
    EXPECT_EQ((*c)["image"], "localhost/pave:dev");
    EXPECT_EQ((*c)["command"], Json::array({"/usr/bin/pave", "adapter"}));
    EXPECT_EQ((*c)["securityContext"], kratix_security_context()) << (*c)["name"];
    EXPECT_EQ((*c)["resources"], default_resources()) << (*c)["name"];
    EXPECT_FALSE(c->contains("imagePullPolicy"));
  }
  EXPECT_EQ(init[0]["args"], Json::array({"reader"}));
  EXPECT_EQ(pod(o)["containers"][0]["args"], Json::array({"update-status"}));
}

TEST(JobBuilder, WorkCreatorArgumentsNameTheRun) {
  EXPECT_EQ(pod(build(promise_run()))["initContainers"][2]["args"], yaml(R"(
[work-creator, --input-directory, /work-creator-files, --promise-name, redis, --pipeline-name, promise-configure,
 --namespace, kratix-platform-system, --workflow-type, promise]
)"));
  EXPECT_EQ(pod(build(resource_run()))["initContainers"][3]["args"], yaml(R"(
[work-creator, --input-directory, /work-creator-files, --promise-name, redis, --pipeline-name, instance-configure,
 --namespace, default, --workflow-type, resource, --resource-name, example]
)"));
  auto run = resource_run();
  run.pipeline_namespace = "pipelines";
  EXPECT_EQ(pod(build(run))["initContainers"][3]["args"], yaml(R"(
[work-creator, --input-directory, /work-creator-files, --promise-name, redis, --pipeline-name, instance-configure,
 --namespace, pipelines, --workflow-type, resource, --resource-name, example, --resource-namespace, default]
)"));
}

TEST(JobBuilder, AdapterImageAndPullSecretAreConfigurable) {
  auto run = resource_run();
  run.adapter_image = "registry.example/pave:1.0";
  run.adapter_pull_secret = "adapter-pull";
  run.pipeline.image_pull_secrets = {Json{{"name", "user-pull"}}};
  auto o = build(run);
  EXPECT_EQ(pod(o)["initContainers"][0]["image"], "registry.example/pave:1.0");
  EXPECT_EQ(pod(o)["imagePullSecrets"], yaml("[{name: adapter-pull}, {name: user-pull}]"));
  EXPECT_FALSE(pod(build(resource_run())).contains("imagePullSecrets"));
}

// ---- user containers and defaults ----

TEST(JobBuilder, UserContainersKeepTheirOwnSettings) {
  auto o = build(resource_run());
  const Json& c = pod(o)["initContainers"][1];
  EXPECT_EQ(c["image"], "ghcr.io/syntasso/kratix-marketplace/redis-configure-pipeline:v0.1.0");
  EXPECT_EQ(c["command"], Json::array({"sh", "-c"}));
  EXPECT_EQ(c["args"], Json::array({"run"}));
  EXPECT_EQ(c["imagePullPolicy"], "Always");
  EXPECT_EQ(c["securityContext"], (Json{{"privileged", true}}));
  EXPECT_EQ(c["resources"], yaml("{limits: {cpu: 50m}}"));
}

TEST(JobBuilder, UserContainersWithoutSettingsGetBuiltInResourcesOnly) {
  auto o = build(resource_run());
  const Json& c = pod(o)["initContainers"][2];
  EXPECT_EQ(c["resources"], default_resources());
  EXPECT_FALSE(c.contains("securityContext"));
  EXPECT_FALSE(c.contains("imagePullPolicy"));
}

TEST(JobBuilder, ConfigDefaultsFillWhatUserContainersLeaveUnset) {
  auto run = resource_run();
  run.config.workflows.default_image_pull_policy = "IfNotPresent";
  run.config.workflows.default_container_security_context = yaml("{runAsNonRoot: true}");
  run.config.workflows.default_container_resources = yaml("{requests: {cpu: 10m}}");
  auto o = build(run);
  const Json& bare = pod(o)["initContainers"][2];
  EXPECT_EQ(bare["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(bare["securityContext"], yaml("{runAsNonRoot: true}"));
  EXPECT_EQ(bare["resources"], yaml("{requests: {cpu: 10m}}"));
  const Json& set = pod(o)["initContainers"][1];
  EXPECT_EQ(set["imagePullPolicy"], "Always");
  EXPECT_EQ(set["securityContext"], (Json{{"privileged", true}}));
  EXPECT_EQ(set["resources"], yaml("{limits: {cpu: 50m}}"));
  const Json& reader = pod(o)["initContainers"][0];
  EXPECT_EQ(reader["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(reader["resources"], yaml("{requests: {cpu: 10m}}")) << "the config's resources replace Kratix's own";
  EXPECT_EQ(reader["securityContext"], kratix_security_context()) << "but never its security context";
}

TEST(JobBuilder, BackoffLimitPipelineThenConfigThenUnset) {
  auto run = resource_run();
  run.config.workflows.job_options.default_backoff_limit = 2;
  EXPECT_EQ(build(run).job["spec"]["backoffLimit"], 2);
  run.pipeline.backoff_limit = 0;
  EXPECT_EQ(build(run).job["spec"]["backoffLimit"], 0);
}

TEST(JobBuilder, PodSettingsComeFromThePipeline) {
  auto run = resource_run();
  run.pipeline.restart_policy = "Never";
  run.pipeline.node_selector = {{"disk", "ssd"}};
  run.pipeline.tolerations = {yaml("{key: dedicated, operator: Exists, effect: NoSchedule}")};
  auto o = build(run);
  EXPECT_EQ(pod(o)["restartPolicy"], "Never");
  EXPECT_EQ(pod(o)["nodeSelector"], (Json{{"disk", "ssd"}}));
  EXPECT_EQ(pod(o)["tolerations"], yaml("[{key: dedicated, operator: Exists, effect: NoSchedule}]"));
  EXPECT_FALSE(pod(build(resource_run())).contains("nodeSelector"));
  EXPECT_FALSE(pod(build(resource_run())).contains("tolerations"));
}

// ---- runs that cannot be built ----

TEST(JobBuilder, RefusesIncompleteRuns) {
  auto no_name = resource_run();
  no_name.object["metadata"].erase("name");
  EXPECT_EQ(build_pipeline_objects(no_name).error().message, "pipeline run: the resource request has no name");
  auto no_api = resource_run();
  no_api.api.plural.clear();
  EXPECT_FALSE(build_pipeline_objects(no_api));
  auto past_end = resource_run();
  past_end.index = 2;
  EXPECT_EQ(build_pipeline_objects(past_end).error().message,
            "pipeline run: index 2 is outside a workflow of 2 pipelines");
  EXPECT_EQ(build_pipeline_objects(past_end).error().kind, kube::ErrorKind::kInvalid);
}

TEST(JobBuilder, ClusterScopedRequestsRunInTheSystemNamespace) {
  auto run = resource_run();
  run.object["metadata"].erase("namespace");
  run.api.cluster_scoped = true;
  auto o = build(run);
  EXPECT_EQ(o.ns, "kratix-platform-system");
  EXPECT_EQ(pod(o)["initContainers"][0]["env"][10], (Json{{"name", "KRATIX_CLUSTER_SCOPED"}, {"value", "true"}}));
  ASSERT_EQ(o.cluster_roles.size(), 1u);
  EXPECT_EQ(o.cluster_roles[0]["metadata"]["name"], "redis-resource-configure-instance-configure");
}

}  // namespace
}  // namespace pave::workflow
