#include "adapter/workflow_control.h"

#include "adapter/files.h"
#include "adapter/go_decoding.h"
#include "kube/yaml.h"
#include "api/go_duration.h"

namespace pave::adapter {

using kube::ErrorKind;

kube::Result<WorkflowControl> parse_workflow_control(std::string_view yaml) {
  auto doc = kube::parse_yaml(yaml, kube::YamlReading::kKubectl);
  if (!doc) return std::unexpected(doc.error());
  WorkflowControl control;
  if (doc->is_null()) return control;  // an empty file asks for nothing
  if (!doc->is_object()) {
    return std::unexpected(kube::make_error(
        ErrorKind::kInvalid, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
                                 std::string(json_type_word(*doc)) + " into Go value of type lib.WorkflowControl"));
  }
  const GoStruct s{*doc, "WorkflowControl"};
  auto suspend = go_bool(s, "suspend");
  if (!suspend) return std::unexpected(suspend.error());
  auto message = go_string(s, "message");
  if (!message) return std::unexpected(message.error());
  auto retry_after = go_string(s, "retryAfter");
  if (!retry_after) return std::unexpected(retry_after.error());
  control.suspend = *suspend;
  control.message = std::move(*message);
  control.retry_after = std::move(*retry_after);
  return control;
}

kube::Result<std::optional<WorkflowControl>> read_workflow_control(const std::filesystem::path& file) {
  auto text = read_optional_file(file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<WorkflowControl>();
  auto control = parse_workflow_control(**text);
  if (!control) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "failed to unmarshal the workflow control file: \"" +
                                                                     file.string() + "\" with error: " +
                                                                     control.error().message));
  }
  return std::optional<WorkflowControl>(std::move(*control));
}

kube::Result<std::chrono::nanoseconds> retry_duration(const WorkflowControl& control) {
  auto d = api::parse_go_duration(control.retry_after);
  if (!d) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "failed to parse retry duration: \"" +
                                                                     control.retry_after + "\" with error: " +
                                                                     d.error().message));
  }
  return *d;
}

}  // namespace pave::adapter
