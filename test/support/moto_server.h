// A real S3 server for tests whose clients include minio-go (Flux's Bucket source): moto's server
// (tools/moto/server.py, from PyPI), which verifies AWS Signature V4, on a free loopback port with one
// bucket and an access key of its own making. s3rver (s3_server.h) refuses minio-go's signatures.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "base/temp_dir.h"

namespace pave::testing {

class MotoServer {
 public:
  static std::expected<MotoServer, std::string> start(const std::string& bucket);
  MotoServer(MotoServer&&) noexcept = default;
  MotoServer& operator=(MotoServer&&) noexcept = default;
  ~MotoServer();

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

 private:
  MotoServer() = default;
  std::optional<base::TempDir> dir_;
  std::optional<base::Child> server_;
  int port_ = 0;
  std::string access_key_, secret_key_;
};

}  // namespace pave::testing
