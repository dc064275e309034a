// GitHub's App token endpoint as tests need it: https on loopback (a throwaway CA), the App's JWT checked
// against the App's public key (RS256, issuer 1234, not expired), installation 42 only, a fixed token
// handed out with the lifetime the test chooses.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "base/temp_dir.h"

namespace pave::testing {

class GitHubApi {
 public:
  GitHubApi(std::string public_key_pem, std::string token, std::chrono::seconds lifetime);
  ~GitHubApi();
  GitHubApi(const GitHubApi&) = delete;
  GitHubApi& operator=(const GitHubApi&) = delete;

  // A fresh RSA key pair for an App: the private key (PEM) and its public key (PEM).
  static std::pair<std::string, std::string> app_key_pair();

  std::string url() const;
  std::string ca_pem() const;
  int requests() const { return requests_; }

 private:
  bool valid_jwt(const std::string& jwt) const;
  struct Server;
  base::TempDir dir_;
  std::string public_key_;
  std::unique_ptr<Server> server_;
  std::atomic<int> requests_ = 0;
};

}  // namespace pave::testing
