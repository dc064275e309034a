// The credentials a request carries, resolved from a Config when needed.
//
// Token files are re-read when they change (projected service-account tokens rotate); exec plugins run
// when no unexpired credential is cached, and again after the server answers 401.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "kube/config.h"

namespace pave::kube {

struct Credentials {
  std::string bearer_token;     // empty: none
  std::string client_cert_pem;  // from an exec plugin; empty: use the Config's certificate
  std::string client_key_pem;
};

class CredentialProvider {
 public:
  explicit CredentialProvider(Config config) : config_(std::move(config)) {}

  // The credentials to use now. Thread-safe.
  Result<Credentials> current();

  // Forgets cached plugin output and token file contents, after the server refused them.
  void invalidate();

 private:
  Result<Credentials> run_exec_plugin();

  const Config config_;
  std::mutex mu_;
  std::optional<Credentials> exec_cached_;
  std::chrono::sys_seconds exec_expiry_{};  // seconds: expiries far in the future must not overflow
  std::string file_token_;
  std::chrono::steady_clock::time_point file_read_at_{};
};

}  // namespace pave::kube
