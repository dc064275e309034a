#include "kube/error.h"
#include "kube/guard.h"
#include "kube/json.h"

#include <gtest/gtest.h>

namespace pave::kube {
namespace {

TEST(ErrorFromResponse, KeepsTheServersReasonMessageAndCauses) {
  auto e = error_from_response(422, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"ConfigMap \"x\" is invalid: metadata.name: Invalid value","reason":"Invalid",
    "details":{"name":"x","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid",
    "message":"Invalid value: \"X\"","field":"metadata.name"}]},"code":422})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalid);
  EXPECT_EQ(e.http_status, 422);
  EXPECT_EQ(e.reason, "Invalid");
  ASSERT_EQ(e.causes.size(), 1u);
  EXPECT_EQ(e.causes[0].field, "metadata.name");
  EXPECT_EQ(e.causes[0].type, "FieldValueInvalid");
  EXPECT_EQ(e.to_string(), "Invalid (422): ConfigMap \"x\" is invalid: metadata.name: Invalid value");
  EXPECT_FALSE(e.retriable());
}

TEST(ErrorFromResponse, MapsStatusesToKinds) {
  struct Case {
    int status;
    const char* reason;
    ErrorKind kind;
    bool retriable;
  };
  for (auto c : {Case{404, "NotFound", ErrorKind::kNotFound, false}, Case{409, "AlreadyExists", ErrorKind::kAlreadyExists, false},
                 Case{409, "Conflict", ErrorKind::kConflict, false}, Case{403, "Forbidden", ErrorKind::kForbidden, false},
                 Case{401, "Unauthorized", ErrorKind::kUnauthorized, false}, Case{410, "Expired", ErrorKind::kGone, false},
                 Case{429, "TooManyRequests", ErrorKind::kTransient, true}, Case{503, "ServiceUnavailable", ErrorKind::kTransient, true},
                 Case{500, "Timeout", ErrorKind::kTimeout, true}, Case{504, "", ErrorKind::kTimeout, true},
                 Case{418, "", ErrorKind::kOther, false}}) {
    std::string body = std::string(R"({"kind":"Status","reason":")") + c.reason + R"(","message":"m"})";
    auto e = error_from_response(c.status, body);
    EXPECT_EQ(e.kind, c.kind) << c.status << " " << c.reason;
    EXPECT_EQ(e.retriable(), c.retriable) << c.status;
  }
}

TEST(ErrorFromResponse, KeepsANonStatusBodyAsTheMessage) {
  auto e = error_from_response(502, "<html>bad gateway</html>");
  EXPECT_EQ(e.kind, ErrorKind::kTransient);
  EXPECT_EQ(e.message, "<html>bad gateway</html>");
}

TEST(Guarded, TurnsAnExceptionIntoThatItemsError) {
  auto thrown = guarded("decoding x", []() -> Result<int> { return Json::parse("{").get<int>(); });
  ASSERT_FALSE(thrown.has_value());
  EXPECT_EQ(thrown.error().kind, ErrorKind::kOther);
  EXPECT_TRUE(thrown.error().message.starts_with("decoding x threw: ")) << thrown.error().message;
  auto fine = guarded("adding", []() -> Result<int> { return 2; });
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(*fine, 2);
  EXPECT_FALSE(call_logged("a handler", "ns/name", [] { throw 42; }));
  EXPECT_TRUE(call_logged("a handler", "ns/name", [] {}));
}

}  // namespace
}  // namespace pave::kube
