#include "kube/yaml.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace pave::kube {
namespace {

TEST(Yaml, QuotedScalarsStayStrings) {
  auto v = parse_yaml(R"(a: "1"
b: 'true'
c: "on"
d: "null"
e: !!str 42
)");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ((*v)["a"], "1");
  EXPECT_EQ((*v)["b"], "true");
  EXPECT_EQ((*v)["c"], "on");
  EXPECT_EQ((*v)["d"], "null");
  EXPECT_EQ((*v)["e"], "42");
}

TEST(Yaml, PlainScalarsFollowTheCoreSchema) {
  auto v = parse_yaml("i: 42\nn: -7\nh: 0x1F\nf: 1.5\nt: true\nz: ~\nempty:\non: on\nyes: yes\nver: 1.0.0\n");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)["i"], 42);
  EXPECT_EQ((*v)["n"], -7);
  EXPECT_EQ((*v)["h"], 31);
  EXPECT_DOUBLE_EQ((*v)["f"].get<double>(), 1.5);
  EXPECT_EQ((*v)["t"], true);
  EXPECT_TRUE((*v)["z"].is_null());
  EXPECT_TRUE((*v)["empty"].is_null());
  EXPECT_EQ((*v)["on"], "on") << "YAML 1.2: on is a string";
  EXPECT_EQ((*v)["yes"], "yes");
  EXPECT_EQ((*v)["ver"], "1.0.0");
}

TEST(Yaml, WritesAmbiguousStringsQuoted) {
  Json v = {{"replicas", "3"}, {"enabled", "true"}, {"mode", "on"}, {"n", "null"}, {"real", 3}, {"flag", true},
            {"oct", "0755"}, {"plain", "hello"}};
  std::string y = to_yaml(v);
  EXPECT_NE(y.find(R"(replicas: "3")"), std::string::npos) << y;
  EXPECT_NE(y.find(R"(enabled: "true")"), std::string::npos) << y;
  EXPECT_NE(y.find(R"(mode: "on")"), std::string::npos) << y;
  EXPECT_NE(y.find(R"(oct: "0755")"), std::string::npos) << y;
  EXPECT_NE(y.find("real: 3\n"), std::string::npos) << y;
  EXPECT_NE(y.find("flag: true\n"), std::string::npos) << y;
  EXPECT_NE(y.find("plain: hello\n"), std::string::npos) << y;
  EXPECT_EQ(parse_yaml(y).value(), v);
}

TEST(Yaml, MultiDocumentStreamsSkipEmptyDocuments) {
  auto docs = parse_yaml_documents("---\nkind: A\n---\n---\n# only a comment\n---\nkind: B\n");
  ASSERT_TRUE(docs.has_value());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["kind"], "A");
  EXPECT_EQ((*docs)[1]["kind"], "B");
  auto again = parse_yaml_documents(to_yaml_documents(*docs));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *docs);
}

TEST(Yaml, InvalidYamlIsADecodeError) {
  auto v = parse_yaml("a: [1, 2\nb: }");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().kind, ErrorKind::kDecode);
  EXPECT_FALSE(parse_yaml("a: 1\n---\nb: 2\n").has_value()) << "two documents where one is expected";
}

TEST(Yaml, EmptyCollectionsAndMultilineStringsRoundTrip) {
  Json v = {{"a", Json::object()}, {"b", Json::array()}, {"script", "#!/bin/sh\necho 'hi: there'\n"},
            {"f", 2.0}, {"big", 9007199254740993LL}};
  auto back = parse_yaml(to_yaml(v));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, v);
  EXPECT_TRUE((*back)["f"].is_number_float());
}

// ASCII text, control characters included (JSON strings from the API are UTF-8; ASCII covers the
// characters YAML treats specially).
rc::Gen<std::string> ascii_text() {
  return rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127));
}

// Any map of strings, integers and lists of them survives YAML and back, nested or not.
RC_GTEST_PROP(YamlProperty, RoundTripsArbitraryValues, ()) {
  const auto keys = *rc::gen::container<std::vector<std::string>>(ascii_text());
  const auto strings = *rc::gen::container<std::vector<std::string>>(keys.size(), ascii_text());
  const auto numbers = *rc::gen::container<std::vector<int64_t>>(keys.size(), rc::gen::arbitrary<int64_t>());
  Json v = Json::object();
  Json list = Json::array();
  for (size_t i = 0; i < keys.size(); ++i) {
    v[keys[i]] = strings[i];
    list.push_back(numbers[i]);
    list.push_back(strings[i]);
  }
  v["list"] = list;
  v["nested"] = {{"copy", v}, {"b", keys.size() % 2 == 0}};
  auto back = parse_yaml(to_yaml(v));
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == v);
}

// Found by test/fuzz: yaml-cpp 0.7 reads a stream whose next token starts no node as empty documents for
// ever, allocating each; Pave's loader refuses it at once.
TEST(Yaml, AStreamThatStartsNoNodeIsAnErrorNotAnEndlessLoop) {
  for (const char* text : {",tsto", ",", "]", "a: 1\n---\n,\n", "}"}) {
    auto parsed = parse_yaml_documents(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kDecode) << text;
  }
  EXPECT_EQ(parse_yaml_documents("---\n---\na: 1\n---\n").value().size(), 1u) << "empty documents are still skipped";
}

TEST(Yaml, TextThatIsNotUtf8IsRefusedAndDecodedBytesBecomeReplacementCharacters) {
  auto bad = parse_yaml("a: \x85\x85\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "invalid YAML: not UTF-8 at byte 3");
  // !!binary of bytes that are not UTF-8: a JSON string must be, so they read as U+FFFD (as through Go).
  auto binary = parse_yaml("a: !!binary /w==\n", YamlReading::kKubectl);
  ASSERT_TRUE(binary.has_value()) << binary.error().message;
  EXPECT_EQ((*binary)["a"], "\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)binary->dump());
}

TEST(Yaml, ANodeCannotContainItself) {
  EXPECT_FALSE(parse_yaml("&a [*a]").has_value());
  EXPECT_FALSE(parse_yaml("a: &m {b: *m}").has_value());
  EXPECT_EQ(parse_yaml("a: &x {b: 1}\nc: *x\n").value(), Json::parse(R"({"a":{"b":1},"c":{"b":1}})"));
}

TEST(Yaml, AKeyLongerThanAnImplicitKeyMayBeIsWrittenSoItReadsBack) {
  const Json doc = {{std::string(3000, 'k'), "v"}, {"short", {{std::string(1500, 'x') + ": \"quoted\"", 1}}},
                    {std::string(300, '\x01'), "escaped, each a four-character \\x01"}};
  auto back = parse_yaml(to_yaml(doc));
  ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << to_yaml(doc);
  EXPECT_EQ(*back, doc);
}

// yaml-cpp writes "--- x" plain, which at the start of a line begins a new document.
TEST(Yaml, StringsThatLookLikeDocumentMarkersAreWrittenQuoted) {
  const Json doc = {{"--- [2, 3]", nullptr}, {"...", "---"}, {"list", {"--- a", "... b", "---x"}}};
  const std::string written = to_yaml(doc);
  auto back = parse_yaml_documents(written);
  ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << written;
  ASSERT_EQ(back->size(), 1u) << written;
  EXPECT_EQ(back->front(), doc) << written;
}

// Found by yaml_fuzz (its JSON-read-as-YAML property): yaml-cpp took a lone "\r" for part of a scalar.
TEST(Yaml, CarriageReturnsAreLineBreaksAsYamlSays) {
  EXPECT_EQ(parse_yaml("{\"a\":\r333}").value(), Json::parse(R"({"a":333})"));
  EXPECT_EQ(parse_yaml("a: 1\rb: two\r").value(), Json::parse(R"({"a":1,"b":"two"})"));
  EXPECT_EQ(parse_yaml("a: 1\r\nb: |\r\n  x\r\n  y\r\n").value(), Json::parse(R"({"a":1,"b":"x\ny\n"})"));
  EXPECT_EQ(parse_yaml("a: \"escaped \\r stays\"\n").value()["a"], "escaped \r stays");
}

// Found by yaml_fuzz (its round-trip property): yaml-cpp's emitter writes U+FFFD for Unicode noncharacters,
// which JSON and YAML allow, so they were lost on the way out.
TEST(Yaml, NoncharactersAreWrittenSoTheyReadBack) {
  const std::string fdd0 = "\xEF\xB7\x90", fffe = "\xEF\xBF\xBE", last = "\xF4\x8F\xBF\xBF";  // U+10FFFF
  Json doc = Json::object();
  doc["plain"] = "a" + fdd0 + "b";
  doc["quote \" and \\ " + fffe] = {"\"tab\t\" " + last, "\xC2\x85 next line", "bom \xEF\xBB\xBF", "1", "fine"};
  doc[std::string(300, 'k') + fdd0] = "long key";
  doc["pave-by-hand-0-0"] = "looks like a placeholder " + fdd0;
  const std::string written = to_yaml(doc);
  for (auto reading : {YamlReading::kCore12, YamlReading::kKubectl}) {
    auto back = parse_yaml(written, reading);
    ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << written;
    EXPECT_EQ(*back, doc) << written;
  }
  EXPECT_NE(written.find("\\uFDD0"), std::string::npos) << written;
  EXPECT_NE(written.find("\\U0010FFFF"), std::string::npos) << written;
  EXPECT_EQ(written.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD written:\n" << written;
}

// YAML allows DEL only escaped (go-yaml, so kubectl, refuses a raw one), and YAML 1.1 readers take U+2028 and
// U+2029 for line breaks: yaml-cpp's emitter wrote all three raw.
TEST(Yaml, DeleteAndUnicodeLineSeparatorsAreWrittenEscaped) {
  const Json doc = {{"del", "a\x7F" "b"}, {"ls", "a\xE2\x80\xA8" "b"}, {"ps\xE2\x80\xA9", "plain"}, {"fine", "x"}};
  const std::string written = to_yaml(doc);
  for (const char* raw : {"\x7F", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    EXPECT_EQ(written.find(raw), std::string::npos) << written;
  }
  EXPECT_NE(written.find("\"a\\x7Fb\""), std::string::npos) << written;
  EXPECT_NE(written.find("\\u2028"), std::string::npos) << written;
  for (auto reading : {YamlReading::kCore12, YamlReading::kKubectl}) EXPECT_EQ(parse_yaml(written, reading).value(), doc) << written;
}

}  // namespace
}  // namespace pave::kube
