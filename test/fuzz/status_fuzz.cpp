// What a pipeline's metadata does to its object's status (adapter/status_updater.h,
// adapter/workflow_control.h): any status.yaml, workflow-control.yaml and current status, never a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <string>

#include "adapter/status_updater.h"
#include "adapter/workflow_control.h"
#include "fuzz_check.h"
#include "kube/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string status_yaml = in.ConsumeRandomLengthString(2000);
  const std::string control_yaml = in.ConsumeRandomLengthString(500);
  const std::string object_yaml = in.ConsumeRemainingBytesAsString();
  using pave::kube::Json;
  auto incoming = pave::kube::parse_yaml(status_yaml, pave::kube::YamlReading::kKubectl);
  auto object = pave::kube::parse_yaml(object_yaml, pave::kube::YamlReading::kKubectl);
  auto control = pave::adapter::parse_workflow_control(control_yaml);
  if (control && control->is_retry()) (void)pave::adapter::retry_duration(*control);
  if (!incoming || !object) return 0;
  if (!incoming->is_object() || !object->is_object()) return 0;  // the status-writer refuses anything else first
  (void)pave::adapter::check_incoming_status(*incoming);
  const Json current = object->value("status", Json::object());
  if (current.is_object()) {
    const Json merged = pave::adapter::merge_status(current, *incoming);
    pave::fuzz::check(merged.is_object(), "merge_status gave no object");
  }
  for (const char* type : {"promise", "resource"}) {
    (void)pave::adapter::plan_status_update({.object = *object, .incoming = *incoming,
                                             .control = control ? std::optional(*control) : std::nullopt,
                                             .workflow_type = type, .pipeline_name = "p", .is_last_pipeline = true,
                                             .now = std::chrono::system_clock::time_point{}});
  }
  return 0;
}
