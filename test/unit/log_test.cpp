#include "kube/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pave::kube::log {
namespace {

TEST(Log, JsonLinesCarryLevelMessageAndFields) {
  auto line = format_line(Format::kJson, Level::kWarn, "reconcile failed", {{"controller", "work"}, {"key", "ns/a"}});
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "reconcile failed");
  EXPECT_EQ(j["controller"], "work");
  EXPECT_EQ(j["key"], "ns/a");
  EXPECT_TRUE(j["ts"].get<std::string>().ends_with("Z"));
}

TEST(Log, TextLinesQuoteValuesWithSpaces) {
  auto line = format_line(Format::kText, Level::kInfo, "done", {{"a", "b"}, {"msg", "two words"}});
  EXPECT_NE(line.find(" info  done a=b msg=\"two words\""), std::string::npos) << line;
}

TEST(Log, SecretsAreRedactedFromMessagesAndFields) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
  auto line = format_line(Format::kJson, Level::kError, "request with Authorization: Bearer abc123.def",
                          {{"token", jwt}, {"key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----"}});
  EXPECT_EQ(line.find("abc123"), std::string::npos) << line;
  EXPECT_EQ(line.find("eyJhbGci"), std::string::npos) << line;
  EXPECT_EQ(line.find("MHcCAQEE"), std::string::npos) << line;
  EXPECT_NE(line.find("[REDACTED]"), std::string::npos);
  EXPECT_EQ(redact("nothing secret here"), "nothing secret here");
}

TEST(Log, LevelsFilter) {
  configure(Format::kText, Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kError));
  Level l;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_FALSE(parse_level("loud", l));
  configure(Format::kText, Level::kInfo);
}

}  // namespace
}  // namespace pave::kube::log
