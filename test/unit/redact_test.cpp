// Credentials never shown: the user information of URLs in any text is replaced (base/redact.h).
#include "base/redact.h"

#include <gtest/gtest.h>

namespace pave::base {
namespace {

TEST(RedactCredentials, ReplacesUserAndPasswordOfEveryUrl) {
  EXPECT_EQ(redact_credentials("https://kratix:s3cr3t@git.example.com:8443/org/state.git"),
            "https://redacted@git.example.com:8443/org/state.git");
  EXPECT_EQ(redact_credentials("fetch http://token@127.0.0.1/x: 401; retry ssh://git:pw@host:22/repo"),
            "fetch http://redacted@127.0.0.1/x: 401; retry ssh://redacted@host:22/repo");
  EXPECT_EQ(redact_credentials("'https://a:b@h'"), "'https://redacted@h'");
  EXPECT_EQ(redact_credentials("https://user:p@ss@host/x"), "https://redacted@host/x") << "the last @ ends the user information";
}

TEST(RedactCredentials, LeavesUrlsWithoutCredentialsAndOtherTextAlone) {
  EXPECT_EQ(redact_credentials("https://host/path?q=a@b"), "https://host/path?q=a@b") << "an @ after the path is not a user";
  EXPECT_EQ(redact_credentials("user@example.com wrote"), "user@example.com wrote");
  EXPECT_EQ(redact_credentials(""), "");
  EXPECT_EQ(redact_credentials("://@"), "://redacted@");
}

}  // namespace
}  // namespace pave::base
