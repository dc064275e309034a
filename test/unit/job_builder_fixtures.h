// Fixtures shared by the Job builder tests: the Redis Promise and request of kratix-spec.md 12, a two-container
// Pipeline, and the containers' expected env, security context and resources.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kube/yaml.h"
#include "workflow/hash.h"
#include "workflow/job_builder.h"

namespace pave::workflow::test {

using kube::Json;

inline Json yaml(const char* text) {
  auto parsed = kube::parse_yaml(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Json());
}

inline Pipeline pipeline_from(const char* text) {
  auto p = parse_pipeline(yaml(text));
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message);
  return p.value_or(Pipeline{});
}

inline Json redis_promise() {
  return yaml(R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata: {name: redis, uid: promise-uid}
spec:
  destinationSelectors:
    - matchLabels: {environment: dev}
  workflows: {}
)");
}

inline Json example_request(const char* ns = "default") {
  Json rr = yaml(R"(
apiVersion: marketplace.kratix.io/v1alpha1
kind: redis
metadata: {name: example, uid: rr-uid}
spec: {size: small}
)");
  rr["metadata"]["namespace"] = ns;
  return rr;
}

// Two user containers; the first sets everything a default could fill.
inline constexpr const char* kPipeline = R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Pipeline
metadata:
  name: instance-configure
  labels: {team: cache}
  annotations: {note: hello}
spec:
  containers:
    - name: generate
      image: ghcr.io/syntasso/kratix-marketplace/redis-configure-pipeline:v0.1.0
      command: [sh, -c]
      args: [run]
      env: [{name: SIZE, value: small}]
      volumeMounts: [{name: cache, mountPath: /cache}]
      imagePullPolicy: Always
      securityContext: {privileged: true}
      resources: {limits: {cpu: 50m}}
    - name: second
      image: second:latest
  volumes:
    - {name: cache, emptyDir: {}}
)";

inline PipelineRun resource_run(WorkflowAction action = WorkflowAction::kConfigure) {
  PipelineRun run;
  run.type = WorkflowType::kResource;
  run.action = action;
  run.promise = redis_promise();
  run.object = example_request();
  run.api = {"marketplace.kratix.io", "v1alpha1", "redis", "redis", false};
  run.pipeline = pipeline_from(kPipeline);
  run.count = 2;
  run.hash = workflow_hash(run.type, run.promise, run.object);
  return run;
}

inline PipelineRun promise_run(WorkflowAction action = WorkflowAction::kConfigure) {
  PipelineRun run;
  run.type = WorkflowType::kPromise;
  run.action = action;
  run.promise = redis_promise();
  run.object = run.promise;
  run.pipeline = pipeline_from(R"(
apiVersion: platform.kratix.io/v1alpha1
kind: Pipeline
metadata: {name: promise-configure}
spec:
  containers: [{name: deps, image: deps:v1}]
)");
  run.hash = workflow_hash(run.type, run.promise, run.object);
  return run;
}

inline PipelineObjects build(const PipelineRun& run) {
  auto objects = build_pipeline_objects(run);
  EXPECT_TRUE(objects.has_value()) << (objects ? "" : objects.error().message);
  return objects.value_or(PipelineObjects{});
}

inline const Json& pod(const PipelineObjects& o) { return o.job["spec"]["template"]["spec"]; }

inline std::vector<std::string> names(const Json& list) {
  std::vector<std::string> out;
  for (const Json& item : list) out.push_back(item["name"].get<std::string>());
  return out;
}

inline Json env(std::initializer_list<std::pair<const char*, const char*>> vars) {
  Json out = Json::array();
  for (auto [k, v] : vars) out.push_back({{"name", k}, {"value", v}});
  return out;
}

inline Json resource_env() {
  return env({{"KRATIX_WORKFLOW_ACTION", "configure"},
              {"KRATIX_WORKFLOW_TYPE", "resource"},
              {"KRATIX_PROMISE_NAME", "redis"},
              {"KRATIX_PIPELINE_NAME", "instance-configure"},
              {"KRATIX_OBJECT_KIND", "redis"},
              {"KRATIX_OBJECT_GROUP", "marketplace.kratix.io"},
              {"KRATIX_OBJECT_VERSION", "v1alpha1"},
              {"KRATIX_OBJECT_NAME", "example"},
              {"KRATIX_OBJECT_NAMESPACE", "default"},
              {"KRATIX_CRD_PLURAL", "redis"},
              {"KRATIX_CLUSTER_SCOPED", "false"}});
}

inline Json kratix_security_context() {
  return yaml(R"(
allowPrivilegeEscalation: false
capabilities: {drop: [ALL]}
privileged: false
runAsNonRoot: true
seccompProfile: {type: RuntimeDefault}
)");
}

inline Json default_resources() {
  return yaml(R"(
requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 128Mi}
limits: {cpu: 200m, memory: 256Mi, ephemeral-storage: 256Mi}
)");
}

inline bool has_random_suffix(const std::string& name, const std::string& prefix) {
  return name.size() == prefix.size() + 5 && name.starts_with(prefix) &&
         name.substr(prefix.size()).find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace pave::workflow::test
