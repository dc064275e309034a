// A Promise's workflows from anywhere (workflow/pipeline.h, workflow/job_builder.h): the strict Pipeline
// decoder and the Job builder take any document without crashing.
#include <string>

#include "fuzz_check.h"
#include "kube/yaml.h"
#include "workflow/job_builder.h"
#include "workflow/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pave::workflow;
  using pave::kube::Json;
  auto doc = pave::kube::parse_yaml(std::string(reinterpret_cast<const char*>(data), size), pave::kube::YamlReading::kKubectl);
  if (!doc) return 0;
  auto pipeline = parse_pipeline(*doc);
  const Json promise = {{"metadata", {{"name", "fuzz"}, {"uid", "u"}}}, {"spec", {{"workflows", {{"resource", {{"configure", Json::array({*doc})}}}}}}}};
  (void)parse_workflow(promise, WorkflowType::kResource, WorkflowAction::kConfigure);
  if (!pipeline) return 0;
  for (auto type : {WorkflowType::kPromise, WorkflowType::kResource}) {
    PipelineRun run{.type = type, .promise = promise,
                    .object = {{"metadata", {{"name", "request"}, {"namespace", "default"}, {"uid", "r"}}}},
                    .api = {"example.com", "v1", "Thing", "things"}, .pipeline = *pipeline, .hash = "h"};
    auto objects = build_pipeline_objects(run);
    if (objects) pave::fuzz::check(objects->job.is_object(), "no Job");
  }
  return 0;
}
