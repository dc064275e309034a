// GitHub App authentication for Git state stores (Kratix's `authMethod: githubApp`): the App's private
// key signs a short JWT, GitHub's API trades it for an installation access token, and the token is the
// password of the user "x-access-token". Tokens live an hour; a new one is fetched when the one held has
// less than five minutes left, so a long-running writer never pushes with an expired one.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "kube/error.h"

namespace pave::statestore {

struct GitHubAppConfig {
  std::string app_id;
  std::string installation_id;
  std::string private_key;                          // PEM, RSA (PKCS#1 or PKCS#8), as GitHub hands it out
  std::string api_url = "https://api.github.com";   // GitHub Enterprise Server: https://HOST/api/v3
  std::string ca_bundle;                            // PEM: CAs trusted for the API besides the system's
};

// The JWT GitHub accepts from an App: RS256, issuer the App id, issued a minute before now (GitHub's
// advice against clock drift), expiring nine minutes after.
kube::Result<std::string> github_app_jwt(const std::string& app_id, const std::string& private_key_pem,
                                         std::chrono::system_clock::time_point now);

class GitHubAppTokens {
 public:
  explicit GitHubAppTokens(GitHubAppConfig config) : config_(std::move(config)) {}

  // An installation token valid for five minutes more at least; asks GitHub for one when needed.
  // Errors say what GitHub answered (never the key or a token).
  kube::Result<std::string> token();

  // Forgets the token held (the remote refused it: revoked, or the installation changed), so the next
  // token() asks GitHub again.
  void invalidate();

  // Tokens fetched so far (for tests).
  int fetched() const;

 private:
  kube::Result<std::string> fetch();

  const GitHubAppConfig config_;
  mutable std::mutex mu_;
  std::string token_;
  std::chrono::system_clock::time_point expires_{};
  int fetched_ = 0;
};

}  // namespace pave::statestore
