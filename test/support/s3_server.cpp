#include "support/s3_server.h"

#include "support/test_certs.h"

namespace pave::testing {

std::expected<S3Server, std::string> S3Server::start(const std::string& bucket, bool tls) {
  S3Server s;
  auto dir = base::TempDir::create("s3-server");
  if (!dir) return std::unexpected(dir.error());
  s.dir_.emplace(std::move(*dir));
  const std::string d = s.dir_->path().string();
  std::vector<std::string> argv = {"node", "--openssl-legacy-provider", PAVE_S3_SERVER_SCRIPT, d + "/data", bucket};
  if (tls) {
    if (auto certs = make_test_certificates(d); !certs) return std::unexpected(certs.error());
    argv.push_back(d + "/tls.key");
    argv.push_back(d + "/tls.crt");
  }
  // s3rver makes continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
  auto node = base::Child::spawn(argv, {}, d + "/s3rver.log");
  if (!node) return std::unexpected(node.error());
  s.node_.emplace(std::move(*node));
  auto line = s.node_->read_line(std::chrono::seconds(30));
  if (!line || !line->starts_with("READY port=")) {
    return std::unexpected("s3rver did not start: " + base::run({.argv = {"cat", d + "/s3rver.log"}}).out);
  }
  s.port_ = std::stoi(line->substr(11));
  return s;
}

std::string S3Server::ca_pem() const { return base::run({.argv = {"cat", ca_file()}}).out; }

S3Server::~S3Server() {
  if (node_) node_->stop(std::chrono::seconds(5));
}

}  // namespace pave::testing
