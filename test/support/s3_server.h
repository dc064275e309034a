// A real S3 server for tests: s3rver (from npm, tools/s3), which verifies AWS Signature V4, on a free
// loopback port with one bucket. Its credentials are S3RVER / S3RVER.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "base/temp_dir.h"

namespace pave::testing {

class S3Server {
 public:
  // With tls, the server speaks https only, with a certificate signed by ca_file()'s CA.
  static std::expected<S3Server, std::string> start(const std::string& bucket, bool tls = false);
  S3Server(S3Server&&) noexcept = default;
  ~S3Server();

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string ca_file() const { return dir_->path().string() + "/ca.crt"; }
  std::string ca_pem() const;  // ca_file()'s content
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecret = "S3RVER";

 private:
  S3Server() = default;
  std::optional<base::TempDir> dir_;
  std::optional<base::Child> node_;
  int port_ = 0;
};

}  // namespace pave::testing
