#include "adapter/pipeline_env.h"

#include <cstdlib>

#include "adapter/contract.h"

namespace pave::adapter {

kube::Resource PipelineEnv::object_resource() const {
  return {object_group, object_version, crd_plural, object_kind, !cluster_scoped};
}

PipelineEnv pipeline_env(const std::function<std::optional<std::string>(const char*)>& lookup) {
  auto get = [&lookup](const char* name, const char* fallback = "") {
    auto v = lookup(name);
    return v && !v->empty() ? *v : std::string(fallback);
  };
  PipelineEnv env{.object_group = get(kEnvObjectGroup),
                  .object_version = get(kEnvObjectVersion),
                  .object_kind = get(kEnvObjectKind),
                  .object_name = get(kEnvObjectName),
                  .object_namespace = get(kEnvObjectNamespace, "default"),
                  .crd_plural = get(kEnvCrdPlural),
                  .cluster_scoped = get(kEnvClusterScoped) == "true",
                  .promise_name = get(kEnvPromiseName),
                  .pipeline_name = get(kEnvPipelineName),
                  .workflow_type = get(kEnvWorkflowType),
                  .workflow_action = get(kEnvWorkflowAction),
                  .is_last_pipeline = get(kEnvIsLastPipeline) == "true",
                  .input_dir = get(kEnvInputDir, kDefaultInputDir),
                  .output_dir = get(kEnvOutputDir, kDefaultOutputDir)};
  if (env.cluster_scoped) env.object_namespace.clear();
  return env;
}

PipelineEnv pipeline_env() {
  return pipeline_env([](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

kube::Status validate_object(const PipelineEnv& env) {
  for (const auto& [value, name] : {std::pair{&env.object_version, kEnvObjectVersion},
                                    std::pair{&env.object_name, kEnvObjectName},
                                    std::pair{&env.crd_plural, kEnvCrdPlural}}) {
    if (value->empty()) {
      return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, name + std::string(" is not set")));
    }
  }
  return {};
}

}  // namespace pave::adapter
