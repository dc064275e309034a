// YamlReading::kKubectl against the oracle: kubectl itself, run offline (`kubectl label --local -o json`
// reads a file exactly as `kubectl apply` does, through sigs.k8s.io/yaml, and prints the JSON it made).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "base/subprocess.h"
#include "base/temp_dir.h"
#include "kube/yaml.h"
#include "support/cluster.h"

namespace pave::kube {
namespace {

constexpr const char* kHeader = "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\n";

// kubectl's reading of header + body, as JSON; or its error text.
std::expected<Json, std::string> kubectl_reads(const std::string& body) {
  auto dir = base::TempDir::create("pave-yaml-kubectl");
  if (!dir) return std::unexpected(dir.error());
  const auto file = dir->path() / "doc.yaml";
  std::ofstream(file) << kHeader << body;
  auto out = base::run({.argv = {testing::kubectl_program(), "label", "--local", "-f", file.string(), "pave=x", "-o", "json"},
                        .env = {{"KUBECONFIG", "/dev/null"}}});
  if (!out.ok()) return std::unexpected(out.err);
  Json object = Json::parse(out.out);
  object["metadata"].erase("labels");
  return object;
}

// kubectl prints the object after a round trip through Go's unstructured JSON, where integers beyond
// int64 become float64: compare every number as a double.
Json numbers_as_doubles(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_structured()) return v;
  Json out = v;
  for (auto& [k, item] : out.items()) item = numbers_as_doubles(item);
  return out;
}

Json pave_reads(const std::string& body) {
  auto v = parse_yaml(std::string(kHeader) + body, YamlReading::kKubectl);
  EXPECT_TRUE(v.has_value()) << v.error().message;
  return v.value_or(Json());
}

class YamlAsKubectlReadsIt : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::kubectl_program()))
        << "kubectl is built with the control plane (cmake runs tools/k8s/build.sh): " << testing::kubectl_program();
  }
};

// The shapes of the issue: YAML 1.1 booleans as keys and values, quoted look-alikes, numbers, octal, nulls.
constexpr const char* kIssueDocument = R"(data:
  on: on
  off: off
  yes: yes
  no: no
  y: y
  n: n
  TRUE: TRUE
  plain:
    On: On
    Off: Off
    Yes: Yes
    No: No
    Y: Y
    N: N
    YES: YES
    NO: NO
    ON: ON
    OFF: OFF
    True: True
    False: False
    FALSE: FALSE
    true: false
  quoted:
    "on": "on"
    'yes': 'yes'
    "y": "n"
    "0755": "0755"
    "~": "null"
    "1e3": '1e3'
  numbers:
    octal: 0755
    negativeOctal: -0755
    octalO: 0o17
    hex: 0x1F
    negativeHex: -0x1f
    binary: 0b101
    underscores: 1_000_000
    float: 1_000.5
    exponent: 1e3
    leadingDot: .5
    trailingDot: 1.
    notOctal: 08
    notOctalFloat: 09.5
    signed: +12
    big: 9223372036854775808
    tooBigFloat: 1e400
    version: 1.0.0
    infinite: 1e400
    time: 12:30
    date: 2001-12-14
    0755: octal-key
    0x10: hex-key
    1.5: float-key
    1234567.0: big-float-key
    0.000001: small-float-key
    -7: negative-key
  nulls:
    tilde: ~
    word: null
    title: Null
    upper: NULL
    empty:
    notNull: nULL
    notBool: tRUE
  merged:
    base: &base {a: 1, b: 2}
    after: {<<: *base, b: 3}
    before: {b: 3, <<: *base}
    list: {<<: [*base, {a: 9, c: 4}]}
  tagged:
    str: !!str 42
    int: !!int "42"
    float: !!float 1
    binary: !!binary aGVsbG8=
    app: !thing 7
  block: |
    yes
)";

TEST_F(YamlAsKubectlReadsIt, TheIssueDocumentAsKubectlDoes) {
  auto expected = kubectl_reads(kIssueDocument);
  ASSERT_TRUE(expected.has_value()) << expected.error();
  const Json ours = pave_reads(kIssueDocument);
  EXPECT_EQ(numbers_as_doubles(ours), numbers_as_doubles(*expected))
      << "pave:    " << ours.dump() << "\nkubectl: " << expected->dump();
  // The same facts, spelled out, so a change in kubectl cannot quietly move both sides.
  const Json& data = ours["data"];
  EXPECT_EQ(data["true"], true) << "on:, yes:, y: and TRUE: all become the key \"true\"";
  EXPECT_EQ(data["false"], false);
  EXPECT_FALSE(data.contains("on"));
  EXPECT_EQ(data["quoted"]["on"], "on");
  EXPECT_EQ(data["quoted"]["y"], "n");
  EXPECT_EQ(data["numbers"]["octal"], 493);
  EXPECT_EQ(data["numbers"]["negativeOctal"], -493);
  EXPECT_EQ(data["numbers"]["hex"], 31);
  EXPECT_EQ(data["numbers"]["underscores"], 1000000);
  EXPECT_EQ(data["numbers"]["notOctal"], 8.0);
  EXPECT_EQ(data["numbers"]["tooBigFloat"], "1e400");
  EXPECT_EQ(data["numbers"]["version"], "1.0.0");
  EXPECT_EQ(data["numbers"]["493"], "octal-key");
  EXPECT_EQ(data["numbers"]["16"], "hex-key");
  EXPECT_EQ(data["numbers"]["1.234567e+06"], "big-float-key");
  EXPECT_EQ(data["numbers"]["1e-06"], "small-float-key");
  EXPECT_TRUE(data["nulls"]["tilde"].is_null());
  EXPECT_TRUE(data["nulls"]["empty"].is_null());
  EXPECT_EQ(data["nulls"]["notNull"], "nULL");
  EXPECT_EQ(data["merged"]["before"]["b"], 2) << "go-yaml v2 lets a later << overwrite earlier keys";
  EXPECT_EQ(data["merged"]["list"]["a"], 1) << "the first map of a merged list wins";
  EXPECT_EQ(data["tagged"]["binary"], "hello");
  EXPECT_EQ(data["block"], "yes\n");
}

TEST_F(YamlAsKubectlReadsIt, TheDefaultReadingIsStillYaml12) {
  auto v = parse_yaml(kIssueDocument);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ((*v)["data"]["on"], "on");
  EXPECT_EQ((*v)["data"]["yes"], "yes");
  EXPECT_EQ((*v)["data"]["numbers"]["octal"], 755);
  EXPECT_TRUE(std::isinf((*v)["data"]["numbers"]["tooBigFloat"].get<double>())) << "a float beyond a double, not a crash";
}

// Documents kubectl refuses: Pave refuses them too.
TEST_F(YamlAsKubectlReadsIt, RefusesWhatKubectlRefuses) {
  for (const char* body : {"data:\n  ~: 1\n", "data:\n  null: 1\n", "data:\n  9223372036854775808: 1\n",
                           "data:\n  ? [a]\n  : 1\n", "data:\n  m: {<<: 1}\n", "data:\n  i: !!int x\n"}) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(kubectl_reads(body).has_value());
    EXPECT_FALSE(parse_yaml(std::string(kHeader) + body, YamlReading::kKubectl).has_value());
  }
}

// Plain scalars made of the characters numbers are made of, as values and as keys: thousands of spellings
// (seeded, so a failure repeats) read by both.
//
// Keys are compared only where Go's answer is deterministic: go-yaml v2 decodes keys into a Go map first,
// where 6 and 6.0 (or 6e70 and 7e70) are different keys, and sigs.k8s.io/yaml then writes both as the
// JSON key "6" (".inf") in Go's random map order, so kubectl itself answers differently run to run.
TEST_F(YamlAsKubectlReadsIt, NumberLikeScalarsAsKubectlDoes) {
  std::mt19937 rng(20260821);
  const std::string alphabet = "0123456789._+-eExXoObB";
  std::vector<std::string> tokens;
  std::string values = "data:\n  values:\n";
  std::string keys = "  keys:\n";
  for (int i = 0; i < 2000; ++i) {
    std::string token;
    const size_t length = 1 + rng() % 7;
    while (token.size() < length) token += alphabet[rng() % alphabet.size()];
    if (token.front() == '-' && token.size() == 1) token = "-1";  // "-" alone starts a list
    tokens.push_back(token);
    values += "    v" + std::to_string(i) + ": " + token + "\n";
    keys += "    " + token + ": " + std::to_string(i) + "\n";
  }
  const std::string body = values + keys;
  auto expected = kubectl_reads(body);
  ASSERT_TRUE(expected.has_value()) << expected.error();
  const Json ours = pave_reads(body);
  EXPECT_EQ(numbers_as_doubles(ours["data"]["values"]), numbers_as_doubles((*expected)["data"]["values"]));

  std::map<std::string, std::set<std::string>> go_keys;  // JSON key -> the distinct Go values written as it
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Json& v = ours["data"]["values"]["v" + std::to_string(i)];
    const std::string go_value = (v.is_number_float() ? "float " : v.is_number() ? "int " : "other ") + v.dump();
    auto one = parse_yaml(tokens[i] + ": x\n", YamlReading::kKubectl);
    ASSERT_TRUE(one.has_value()) << tokens[i];
    go_keys[one->items().begin().key()].insert(go_value);
  }
  for (const auto& [key, value] : ours["data"]["keys"].items()) {
    EXPECT_TRUE((*expected)["data"]["keys"].contains(key)) << "key " << key << " from token " << tokens[value.get<size_t>()];
  }
  ASSERT_EQ(ours["data"]["keys"].size(), (*expected)["data"]["keys"].size());
  int compared = 0;
  for (const auto& [key, value] : (*expected)["data"]["keys"].items()) {
    ASSERT_TRUE(ours["data"]["keys"].contains(key)) << key;
    if (go_keys[key].size() > 1) continue;
    EXPECT_EQ(ours["data"]["keys"][key], value) << "key " << key;
    ++compared;
  }
  EXPECT_GT(compared, 1500);
}

// What Pave writes, kubectl reads back unchanged: strings that look like numbers or booleans are quoted.
TEST_F(YamlAsKubectlReadsIt, ReadsPavesOwnYamlBackUnchanged) {
  Json data = Json::object();
  for (const char* s : {"on", "y", "NO", "0755", "0x_1F", "+_1", "0b+1", "1_0", ".5", "1e3", "08", "0o17", "~",
                        "", "1.0.0", "12:30", "<<", "true", "-", "+.inf", "0b-1"}) {
    data[std::string("k") + s] = s;
    data[s] = "as-key";
  }
  const std::string body = to_yaml(Json{{"data", data}});
  auto expected = kubectl_reads(body);
  ASSERT_TRUE(expected.has_value()) << expected.error() << "\n" << body;
  EXPECT_EQ((*expected)["data"], data) << body;
  EXPECT_EQ(pave_reads(body)["data"], data);
}

// Any text Pave writes as a string, as a key or a value, kubectl's reading gives back as that string.
RC_GTEST_PROP(YamlAsKubectlReadsItProperty, ReadsAnyStringPaveWritesAsThatString, ()) {
  const auto text = *rc::gen::container<std::string>(rc::gen::element<char>(
      '0', '1', '7', '8', '9', '.', '_', '+', '-', ':', 'e', 'E', 'x', 'o', 'b', 'n', 'y', 'Y', 'N', 'O', 'f', 'F', 't',
      'T', 'r', 'u', 'l', 'i', 's', 'a', '~', '<', '=', ' ', '#', '\'', '"'));
  const Json v = {{text, text}, {"list", {text}}};
  auto back = parse_yaml(to_yaml(v), YamlReading::kKubectl);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == v);
}

TEST(KubectlStringValue, IsWhatAGoStringFieldHolds) {
  EXPECT_EQ(kubectl_string_value("dev"), "dev");
  EXPECT_EQ(kubectl_string_value(true), "true");
  EXPECT_EQ(kubectl_string_value(493), "493");
  EXPECT_EQ(kubectl_string_value(1.5), "1.5");
  EXPECT_EQ(kubectl_string_value(1e6), "1e+06");
  EXPECT_EQ(kubectl_string_value(0.1), "0.1");
  EXPECT_EQ(kubectl_string_value(nullptr), "");
  EXPECT_EQ(kubectl_string_value(Json::object()), std::nullopt);
  EXPECT_EQ(kubectl_string_value(Json::array()), std::nullopt);
}

}  // namespace
}  // namespace pave::kube
