// The tests' in-process reading of kubectl's JSONPath templates (support/jsonpath.h): what it answers,
// as kubectl prints it, and what it leaves to kubectl. control_plane_test compares it with kubectl itself.
#include <gtest/gtest.h>

#include "support/jsonpath.h"

namespace pave::testing {
namespace {

const kube::Json kPod = kube::Json::parse(R"({
  "metadata": {"name": "p", "labels": {"kratix.io/pipeline-name": "configure", "round": "2"},
               "finalizers": ["a", "b<c>"]},
  "status": {"phase": "Running", "restartCount": 3, "ready": true,
             "conditions": [{"type": "Ready", "status": "True", "reason": "Up"},
                            {"type": "Failed", "status": "False"}],
             "containerStatuses": [{"state": {"running": {"startedAt": "2026-12-02T18:00:00Z"}}, "restartCount": 1}]}
})");

std::optional<std::string> eval(const std::string& t, const kube::Json& root = kPod) { return evaluate_jsonpath(t, root); }

TEST(JsonPathTest, FieldsEscapedNamesIndexesAndFilters) {
  EXPECT_EQ(eval("{.status.phase}"), "Running");
  EXPECT_EQ(eval("{.metadata.labels.kratix\\.io/pipeline-name}"), "configure");
  EXPECT_EQ(eval("{.status.containerStatuses[0].state.running.startedAt}"), "2026-12-02T18:00:00Z");
  EXPECT_EQ(eval("{.status.conditions[?(@.type==\"Ready\")].status}"), "True");
  EXPECT_EQ(eval("{.status.conditions[?(@.type!=\"Ready\")].type}"), "Failed");
  EXPECT_EQ(eval("{.status.conditions[*].type}"), "Ready Failed");
}

TEST(JsonPathTest, ValuesPrintAsKubectlPrintsThem) {
  EXPECT_EQ(eval("{.status.restartCount}"), "3");
  EXPECT_EQ(eval("{.status.ready}"), "true");
  // Lists and maps as Go's encoding/json writes them: compact, keys sorted, <, > and & escaped.
  EXPECT_EQ(eval("{.metadata.finalizers}"), R"(["a","b\u003cc\u003e"])");
  EXPECT_EQ(eval("{.metadata.labels}"), R"({"kratix.io/pipeline-name":"configure","round":"2"})");
}

TEST(JsonPathTest, MissingFieldsGiveNothingAsKubectlGetDoes) {
  EXPECT_EQ(eval("{.status.nothing}"), "");
  EXPECT_EQ(eval("{.spec.nodeName}"), "");
  EXPECT_EQ(eval("{.status.conditions[?(@.type==\"Gone\")].status}"), "");
  EXPECT_EQ(eval("{.status.initContainerStatuses[0].state}"), "");
}

TEST(JsonPathTest, TextRangesAndQuotedLiterals) {
  EXPECT_EQ(eval("{.status.phase}/{.status.restartCount}"), "Running/3");
  EXPECT_EQ(eval("{range .status.conditions[*]}{.type}={.status}{\"\\n\"}{end}"), "Ready=True\nFailed=False\n");
  const kube::Json list = {{"items", {{{"metadata", {{"name", "a"}}}}, {{"metadata", {{"name", "b"}}}}}}};
  EXPECT_EQ(eval("{.items[*].metadata.name}", list), "a b");
  EXPECT_EQ(eval("{range .items[*]}{.metadata.name} {end}", list), "a b ");
  EXPECT_EQ(eval("{.items[?(@.metadata.name==\"b\")].metadata.name}", list), "b");
}

// What it does not reproduce is refused, for kubectl to answer: an index past the end (kubectl fails),
// null and floats (printed Go's way), recursive descent, wildcards on maps, unclosed templates.
TEST(JsonPathTest, WhatItDoesNotReproduceIsLeftToKubectl) {
  const kube::Json odd = kube::Json::parse(R"({"a": null, "f": 1.5, "list": [], "m": {"k": "v"}})");
  for (const char* t : {"{.a}", "{.f}", "{.list[0]}", "{..name}", "{.m[*]}", "{.m.*}", "{.status.phase", "{range .list[*]}x",
                        "{end}", "{$.a}", "{.status.conditions[1:2]}", "{.status.conditions[?(@.type<\"x\")]}", "a\\nb"}) {
    EXPECT_EQ(eval(t, odd), std::nullopt) << t;
  }
  EXPECT_EQ(eval("{.status.conditions[5].type}"), std::nullopt);
}

}  // namespace
}  // namespace pave::testing
