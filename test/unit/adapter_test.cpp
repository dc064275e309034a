// The adapter's small parts: the pod environment, workflow-control.yaml, Go's durations and field reads,
// and workload compression.
#include <gtest/gtest.h>

#include "api/go_duration.h"

#include <map>

#include "base/compression.h"
#include "adapter/go_decoding.h"
#include "adapter/pipeline_env.h"
#include "adapter/workflow_control.h"
#include "statestore/layout.h"

namespace pave::adapter {
namespace {

using namespace std::chrono_literals;
using kube::Json;

PipelineEnv env_of(const std::map<std::string, std::string>& vars) {
  return pipeline_env([&vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

TEST(PipelineEnv, ReadsAResourceRequestsPipeline) {
  const PipelineEnv env = env_of({{"KRATIX_OBJECT_GROUP", "marketplace.kratix.io"}, {"KRATIX_OBJECT_VERSION", "v1alpha1"},
                                  {"KRATIX_OBJECT_KIND", "redis"}, {"KRATIX_OBJECT_NAME", "example"},
                                  {"KRATIX_OBJECT_NAMESPACE", "team-a"}, {"KRATIX_CRD_PLURAL", "redis"},
                                  {"KRATIX_CLUSTER_SCOPED", "false"}, {"KRATIX_WORKFLOW_TYPE", "resource"},
                                  {"KRATIX_PIPELINE_NAME", "instance-configure"}, {"IS_LAST_PIPELINE", "true"}});
  EXPECT_EQ(env.object_namespace, "team-a");
  EXPECT_TRUE(env.is_last_pipeline);
  EXPECT_EQ(env.input_dir, "/kratix/input");
  EXPECT_EQ(env.output_dir, "/kratix/output");
  const kube::Resource r = env.object_resource();
  EXPECT_EQ(r.object_path(env.object_namespace, env.object_name),
            "/apis/marketplace.kratix.io/v1alpha1/namespaces/team-a/redis/example");
  EXPECT_TRUE(validate_object(env).has_value());
}

TEST(PipelineEnv, APromiseIsClusterScopedAndNamespacesDefault) {
  const PipelineEnv promise = env_of({{"KRATIX_OBJECT_GROUP", "platform.kratix.io"}, {"KRATIX_OBJECT_VERSION", "v1alpha1"},
                                      {"KRATIX_OBJECT_NAME", "redis"}, {"KRATIX_OBJECT_NAMESPACE", "ignored"},
                                      {"KRATIX_CRD_PLURAL", "promises"}, {"KRATIX_CLUSTER_SCOPED", "true"},
                                      {"INPUT_DIR", "/tmp/in"}});
  EXPECT_EQ(promise.object_namespace, "");
  EXPECT_EQ(promise.input_dir, "/tmp/in");
  EXPECT_EQ(promise.object_resource().object_path("", "redis"), "/apis/platform.kratix.io/v1alpha1/promises/redis");
  EXPECT_EQ(env_of({}).object_namespace, "default");
  auto missing = validate_object(env_of({{"KRATIX_OBJECT_VERSION", "v1"}}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "KRATIX_OBJECT_NAME is not set");
}

TEST(WorkflowControl, ReadsKratixsFields) {
  auto c = parse_workflow_control("retryAfter: 10m\nmessage: waiting for approval\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_FALSE(c->suspend);
  EXPECT_EQ(c->retry_after, "10m");
  EXPECT_EQ(c->message, "waiting for approval");
  EXPECT_TRUE(c->is_retry());
  EXPECT_TRUE(c->suspends_or_retries());
  EXPECT_EQ(retry_duration(*c).value(), 10min);

  EXPECT_TRUE(parse_workflow_control("suspend: yes\n").value().suspend) << "YAML 1.1, as Kratix reads it";
  EXPECT_TRUE(parse_workflow_control("Suspend: on\n").value().suspend) << "Go matches field names case-insensitively";
  EXPECT_EQ(parse_workflow_control("message: 42\n").value().message, "42");
  EXPECT_FALSE(parse_workflow_control("").value().suspends_or_retries());
  EXPECT_FALSE(parse_workflow_control("suspend: false\nunknown: field\n").value().suspends_or_retries());
}

TEST(WorkflowControl, RefusesWhatGoRefuses) {
  auto quoted = parse_workflow_control("suspend: \"true\"\n");
  ASSERT_FALSE(quoted.has_value());
  EXPECT_EQ(quoted.error().message, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into "
                                    "Go struct field WorkflowControl.suspend of type bool");
  auto list = parse_workflow_control("- suspend: true\n");
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().message, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go "
                                  "value of type lib.WorkflowControl");
  auto bad = retry_duration({.retry_after = "1d"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "failed to parse retry duration: \"1d\" with error: time: unknown unit \"d\" in duration \"1d\"");
}

TEST(WorkflowControl, AMissingFileAsksForNothing) {
  auto c = read_workflow_control("/nonexistent/workflow-control.yaml");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->has_value());
  EXPECT_FALSE(suspends_or_retries(*c));
}

TEST(GoDuration, ParsesAsTimeParseDuration) {
  EXPECT_EQ(api::parse_go_duration("0").value(), 0ns);
  EXPECT_EQ(api::parse_go_duration("90s").value(), 90s);
  EXPECT_EQ(api::parse_go_duration("1h30m").value(), 90min);
  EXPECT_EQ(api::parse_go_duration("1.5h").value(), 90min);
  EXPECT_EQ(api::parse_go_duration("-2m").value(), -2min);
  EXPECT_EQ(api::parse_go_duration("+5ms").value(), 5ms);
  EXPECT_EQ(api::parse_go_duration(".5s").value(), 500ms);
  EXPECT_EQ(api::parse_go_duration("1us").value(), 1us);
  EXPECT_EQ(api::parse_go_duration("1\xc2\xb5s").value(), 1us);
  EXPECT_EQ(api::parse_go_duration("2h45m30.5s").value(), 2h + 45min + 30s + 500ms);
  EXPECT_EQ(api::parse_go_duration("2562047h47m16.854775807s").value().count(), INT64_MAX);
}

TEST(GoDuration, ErrorsAsGoWordsThem) {
  const std::map<std::string, std::string> cases = {
      {"", "time: invalid duration \"\""},
      {"abc", "time: invalid duration \"abc\""},
      {"10", "time: missing unit in duration \"10\""},
      {"1d", "time: unknown unit \"d\" in duration \"1d\""},
      {"1h.", "time: invalid duration \"1h.\""},
      {".s", "time: invalid duration \".s\""},
      {"3000000h", "time: invalid duration \"3000000h\""},
  };
  for (const auto& [text, message] : cases) {
    auto d = api::parse_go_duration(text);
    ASSERT_FALSE(d.has_value()) << text;
    EXPECT_EQ(d.error().message, message);
  }
}

TEST(GoFields, ReadAsEncodingJsonFillsAStruct) {
  const Json doc = {{"Directory", 12}, {"matchLabels", {{"a", true}, {"b", nullptr}}}, {"flag", nullptr}};
  const GoStruct s{doc, "T"};
  EXPECT_EQ(go_string(s, "directory").value(), "12");
  EXPECT_EQ(go_string(s, "absent").value(), "");
  EXPECT_EQ(go_string_map(s, "matchLabels").value(), (std::map<std::string, std::string>{{"a", "true"}, {"b", ""}}));
  EXPECT_FALSE(go_bool(s, "flag").value());
  auto wrong = go_string_map(s, "directory");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().message, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go "
                                   "struct field T.directory of type map[string]string");
}

TEST(Rfc3339, IsGosFormat) {
  EXPECT_EQ(format_rfc3339(std::chrono::sys_seconds{std::chrono::seconds{1774448520}} + 999ms), "2026-03-25T14:22:00Z");
}

TEST(Compression, IsGzipThenBase64AsTheStateStoreReadsIt) {
  for (const std::string& content : {std::string(), std::string("kind: ConfigMap\n"), std::string(200'000, 'x')}) {
    const std::string encoded = base::gzip_base64(content);
    EXPECT_TRUE(encoded.starts_with("H4sI")) << "base64 of the gzip magic bytes";
    auto decoded = statestore::decode_workload_content(encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, content);
  }
}

}  // namespace
}  // namespace pave::adapter
