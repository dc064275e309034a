// Strict Pipeline decoding, workflow lists (kratix-spec.md 2.3, 2.4) and the workflow hash (2.5).
#include "workflow/pipeline.h"

#include <gtest/gtest.h>

#include "kube/yaml.h"
#include "workflow/hash.h"

namespace pave::workflow {
namespace {

using kube::Json;

Json yaml(const std::string& text) {
  auto parsed = kube::parse_yaml(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Json());
}

std::string error_of(const Json& pipeline) {
  auto p = parse_pipeline(pipeline);
  return p ? "(parsed)" : p.error().message;
}

Json minimal(const std::string& extra_spec = "") {
  return yaml(R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Pipeline
metadata: {name: instance-configure}
spec:
  containers: [{name: c, image: c:v1}]
)" + extra_spec);
}

TEST(Pipeline, DecodesEveryField) {
  auto p = parse_pipeline(yaml(R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Pipeline
metadata:
  name: instance-configure
  namespace: ignored
  labels: {team: cache}
  annotations: {note: hello}
spec:
  containers:
    - {name: one, image: one:v1, workingDir: /w}
    - {name: two, image: two:v1}
  volumes: [{name: cache, emptyDir: {}}]
  imagePullSecrets: [{name: pull}]
  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Exists}]
  restartPolicy: Never
  jobOptions: {backoffLimit: 3}
  rbac:
    serviceAccount: my-sa
    permissions:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [get]
        resourceNames: [shared]
        resourceNamespace: team-a
      - {nonResourceURLs: [/healthz], verbs: [get]}
)"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name, "instance-configure");
  EXPECT_EQ(p->labels, (std::map<std::string, std::string>{{"team", "cache"}}));
  EXPECT_EQ(p->annotations, (std::map<std::string, std::string>{{"note", "hello"}}));
  ASSERT_EQ(p->containers.size(), 2u);
  EXPECT_EQ(p->containers[0], yaml("{name: one, image: one:v1, workingDir: /w}")) << "containers are kept whole";
  EXPECT_EQ(p->volumes, std::vector<Json>{yaml("{name: cache, emptyDir: {}}")});
  EXPECT_EQ(p->image_pull_secrets, std::vector<Json>{yaml("{name: pull}")});
  EXPECT_EQ(p->node_selector, (std::map<std::string, std::string>{{"disk", "ssd"}}));
  EXPECT_EQ(p->tolerations, std::vector<Json>{yaml("{key: dedicated, operator: Exists}")});
  EXPECT_EQ(p->restart_policy, "Never");
  EXPECT_EQ(p->backoff_limit, 3);
  EXPECT_EQ(p->rbac.service_account, "my-sa");
  ASSERT_EQ(p->rbac.permissions.size(), 2u);
  EXPECT_EQ(p->rbac.permissions[0].resource_namespace, "team-a");
  EXPECT_EQ(p->rbac.permissions[0].policy_rule(),
            yaml(R"({apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [shared]})"));
  EXPECT_EQ(p->rbac.permissions[1].policy_rule(), yaml("{nonResourceURLs: [/healthz], verbs: [get]}"));
}

TEST(Pipeline, MinimalPipelineHasEmptyDefaults) {
  auto p = parse_pipeline(minimal());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->restart_policy, "");
  EXPECT_FALSE(p->backoff_limit);
  EXPECT_EQ(p->rbac.service_account, "");
  EXPECT_TRUE(p->rbac.permissions.empty());
  EXPECT_TRUE(p->labels.empty());
}

TEST(Pipeline, UnknownFieldsAreNamedByTheirPath) {
  Json top = minimal();
  top["status"] = Json::object();
  EXPECT_EQ(error_of(top), "unknown field \"status\"");
  EXPECT_EQ(error_of(minimal("  foo: bar\n")), "unknown field \"spec.foo\"");
  EXPECT_EQ(error_of(minimal("  jobOptions: {backofLimit: 2}\n")), "unknown field \"spec.jobOptions.backofLimit\"");
  EXPECT_EQ(error_of(minimal("  rbac: {serviceaccount: x}\n")), "unknown field \"spec.rbac.serviceaccount\"");
  EXPECT_EQ(error_of(minimal("  rbac:\n    permissions:\n      - {verbs: [get]}\n      - {namespace: x, verbs: [get]}\n")),
            "unknown field \"spec.rbac.permissions[1].namespace\"");
  Json meta = minimal();
  meta["metadata"]["lables"] = Json::object();
  EXPECT_EQ(error_of(meta), "unknown field \"metadata.lables\"");
  EXPECT_EQ(error_of(minimal("  a: 1\n  b: 2\n")), "unknown field \"spec.a\", unknown field \"spec.b\"");
}

TEST(Pipeline, KindAndApiVersionAreRequired) {
  Json wrong_kind = minimal();
  wrong_kind["kind"] = "Workflow";
  EXPECT_EQ(error_of(wrong_kind),
            "unsupported pipeline \"instance-configure\" with APIVersion \"Workflow/platform.kratix.io/v1alpha1\"");
  Json wrong_version = minimal();
  wrong_version["apiVersion"] = "platform.kratix.io/v1beta1";
  EXPECT_EQ(error_of(wrong_version),
            "unsupported pipeline \"instance-configure\" with APIVersion \"Pipeline/platform.kratix.io/v1beta1\"");
  Json missing = minimal();
  missing.erase("apiVersion");
  EXPECT_EQ(error_of(missing), "unsupported pipeline \"instance-configure\" with APIVersion \"Pipeline/\"");
}

TEST(Pipeline, WrongTypesAreNamed) {
  EXPECT_EQ(error_of(minimal("  restartPolicy: 3\n")), "invalid value for \"spec.restartPolicy\": expected a string, got 3");
  EXPECT_EQ(error_of(minimal("  jobOptions: {backoffLimit: -1}\n")),
            "invalid value for \"spec.jobOptions.backoffLimit\": expected a non-negative integer up to 2147483647, got -1");
  EXPECT_EQ(error_of(minimal("  volumes: {name: x}\n")),
            "invalid value for \"spec.volumes\": expected a list of objects, got {\"name\":\"x\"}");
  EXPECT_EQ(error_of(minimal("  nodeSelector: {disk: 1}\n")),
            "invalid value for \"spec.nodeSelector.disk\": expected a string, got 1");
  EXPECT_EQ(error_of(minimal("  rbac: {permissions: [{verbs: get}]}\n")),
            "invalid value for \"spec.rbac.permissions[0].verbs\": expected a list of strings, got \"get\"");
}

TEST(Pipeline, ContainersNeedANameAndListShapedEnvAndMounts) {
  Json p = minimal();
  p["spec"]["containers"].push_back({{"image", "nameless"}});
  EXPECT_EQ(error_of(p), "invalid value for \"spec.containers[1].name\": expected a non-empty string, got null");
  Json env = minimal();
  env["spec"]["containers"][0]["env"] = {{"A", "b"}};
  EXPECT_EQ(error_of(env), "invalid value for \"spec.containers[0].env\": expected a list, got {\"A\":\"b\"}");
  Json nameless = minimal();
  nameless["metadata"].erase("name");
  EXPECT_EQ(error_of(nameless), "invalid value for \"metadata.name\": expected a non-empty string, got \"\"");
}

Json promise_with(const std::string& workflows, const std::string& name = "redis") {
  return yaml("apiVersion: platform.kratix.io/v1alpha1\nkind: Promise\nmetadata: {name: " + name +
              "}\nspec:\n  workflows:\n" + workflows);
}

std::string pipeline_item(const std::string& name) {
  return "        - {apiVersion: platform.kratix.io/v1alpha1, kind: Pipeline, metadata: {name: " + name +
         "}, spec: {containers: [{name: c, image: c}]}}\n";
}

TEST(Workflow, ListsPipelinesInOrder) {
  Json promise = promise_with("    resource:\n      configure:\n" + pipeline_item("first") +
                              pipeline_item("second"));
  auto list = parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kConfigure);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "first");
  EXPECT_EQ((*list)[1].name, "second");
}

TEST(Workflow, DeleteRunsOnlyTheFirstPipeline) {
  Json promise = promise_with("    promise:\n      delete:\n" + pipeline_item("first") +
                              pipeline_item("second"));
  auto list = parse_workflow(promise, WorkflowType::kPromise, WorkflowAction::kDelete);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "first");
}

TEST(Workflow, AbsentWorkflowsAreEmpty) {
  Json promise = promise_with("    promise: {}\n");
  for (auto type : {WorkflowType::kPromise, WorkflowType::kResource}) {
    for (auto action : {WorkflowAction::kConfigure, WorkflowAction::kDelete}) {
      auto list = parse_workflow(promise, type, action);
      ASSERT_TRUE(list);
      EXPECT_TRUE(list->empty());
    }
  }
  EXPECT_TRUE(parse_workflow(Json::object(), WorkflowType::kPromise, WorkflowAction::kConfigure)->empty());
}

TEST(Workflow, ErrorsSayWhichWorkflow) {
  Json promise = promise_with("    resource:\n      configure:\n" + pipeline_item("first"));
  promise["spec"]["workflows"]["resource"]["configure"][0]["spec"]["foo"] = 1;
  EXPECT_EQ(parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kConfigure).error().message,
            "failed parsing resource.configure pipeline: failed unmarshalling pipeline first: json: unknown field \"foo\"")
      << "Kratix's words: Go's strict JSON decoder names the key only";
  EXPECT_TRUE(parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kDelete))
      << "other workflows are not affected";
}

TEST(Workflow, PipelineNamesAreUnique) {
  Json promise = promise_with("    promise:\n      configure:\n" + pipeline_item("same") +
                              pipeline_item("same"));
  EXPECT_EQ(parse_workflow(promise, WorkflowType::kPromise, WorkflowAction::kConfigure).error().message,
            "duplicate pipeline name \"same\" in workflow \"promise\" action \"configure\"");
}

TEST(Workflow, PipelineIdsAreAtMost60Characters) {
  // "redis-resource-configure-" is 25 characters: a 35-character pipeline name is the longest allowed.
  std::string ok(35, 'p');
  std::string too_long(36, 'p');
  Json fits = promise_with("    resource:\n      configure:\n" + pipeline_item(ok));
  EXPECT_TRUE(parse_workflow(fits, WorkflowType::kResource, WorkflowAction::kConfigure));
  Json long_one = promise_with("    resource:\n      configure:\n" + pipeline_item(too_long));
  EXPECT_EQ(parse_workflow(long_one, WorkflowType::kResource, WorkflowAction::kConfigure).error().message,
            "resource.configure pipeline with name \"" + too_long +
                "\" is too long. The name is used when generating resources for the pipeline,including the "
                "ServiceAccount which follows the format of \"redis-resource-configure-" +
                too_long + "\", which cannot be longer than 60 characters in total");
}

TEST(Workflow, TypeAndActionNames) {
  EXPECT_EQ(to_string(WorkflowType::kPromise), "promise");
  EXPECT_EQ(to_string(WorkflowType::kResource), "resource");
  EXPECT_EQ(to_string(WorkflowAction::kConfigure), "configure");
  EXPECT_EQ(to_string(WorkflowAction::kDelete), "delete");
}

// ---- the workflow hash ----

TEST(WorkflowHash, PromiseHashIsMd5OfTheSortedSpecJson) {
  Json promise = yaml("{metadata: {name: redis}, spec: {b: 2, a: 1}}");
  EXPECT_EQ(promise_workflow_hash(promise), "608de49a4600dbb5b173492759792e4a");  // md5('{"a":1,"b":2}')
  EXPECT_EQ(spec_hash(Json::object()), "37a6259cc0c1dae299a7866489dff0bd");     // md5("null")
}

TEST(WorkflowHash, ResourceHashCombinesBothSpecs) {
  Json promise = yaml("{spec: {a: 1, b: 2}}");
  Json rr = yaml("{metadata: {name: example}, spec: {size: small}}");
  // md5("608de49a...-c2ef3840...") where c2ef3840... = md5('{"size":"small"}')
  EXPECT_EQ(resource_workflow_hash(promise, rr), "e8c25d715d94853841c1e64839411845");
  EXPECT_EQ(resource_workflow_hash(promise, rr, /*dry_run=*/true), "d4317b5feb51bf29f3f87073f84dedb7");
  EXPECT_EQ(workflow_hash(WorkflowType::kResource, promise, rr), "e8c25d715d94853841c1e64839411845");
  EXPECT_EQ(workflow_hash(WorkflowType::kPromise, promise, rr), "608de49a4600dbb5b173492759792e4a");
}

TEST(WorkflowHash, OnlySpecChangesChangeIt) {
  Json rr = yaml("{metadata: {name: example, labels: {a: b}}, spec: {size: small}, status: {message: Pending}}");
  Json promise = yaml("{spec: {a: 1}}");
  std::string before = resource_workflow_hash(promise, rr);
  rr["metadata"]["labels"]["kratix.io/manual-reconciliation"] = "true";
  rr["status"]["message"] = "Resource requested";
  EXPECT_EQ(resource_workflow_hash(promise, rr), before);
  rr["spec"]["size"] = "large";
  EXPECT_NE(resource_workflow_hash(promise, rr), before);
  rr["spec"]["size"] = "small";
  promise["spec"]["a"] = 2;
  EXPECT_NE(resource_workflow_hash(promise, rr), before) << "a Promise spec change re-runs every request";
}

}  // namespace
}  // namespace pave::workflow
