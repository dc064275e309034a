// TLS is verified by default for every client Pave has (issue 20's security checks): the Kubernetes
// client, the Git writer, the S3 client and the plain HTTP client (GitHub App tokens, PromiseRelease
// URLs) each refuse a server whose certificate no trusted CA signed, with an error that says TLS, unless
// told of that CA. The server is the test Git server's https port (nginx, a certificate for localhost
// from a CA of its own); what it would answer does not matter, only the handshake.
#include <gtest/gtest.h>

#include "base/http_client.h"
#include "kube/client.h"
#include "statestore/git_writer.h"
#include "statestore/s3_client.h"
#include "support/git_server.h"

namespace pave {
namespace {

class TlsDefaults : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = testing::GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(started.has_value()) << started.error();
    server_.emplace(std::move(*started));
    url_ = server_->https_url("state");
    server_->create_repo("state");
    host_port_ = url_.substr(8, url_.find('/', 8) - 8);  // localhost:PORT
  }
  std::optional<testing::GitServer> server_;
  std::string url_, host_port_;
};

TEST_F(TlsDefaults, TheKubernetesClientRefusesAnUntrustedServerAndTrustsTheKubeconfigsCa) {
  auto client = kube::make_client({.server = "https://" + host_port_});
  ASSERT_TRUE(client.has_value()) << client.error().to_string();
  auto got = client->get(kube::resources::configmaps(), "default", "x");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, kube::ErrorKind::kTls) << got.error().to_string();
  // Given the CA, the handshake passes (nginx then answers as the web server it is, not as Kubernetes).
  auto trusting = kube::make_client({.server = "https://" + host_port_, .ca_data = server_->ca_pem()});
  ASSERT_TRUE(trusting.has_value());
  auto answered = trusting->get(kube::resources::configmaps(), "default", "x");
  ASSERT_FALSE(answered.has_value());
  EXPECT_NE(answered.error().kind, kube::ErrorKind::kTls) << answered.error().to_string();
}

TEST_F(TlsDefaults, TheGitWriterRefusesAnUntrustedServerAndTrustsTheStoresCa) {
  auto cache = base::TempDir::create("tls-git").value();
  auto refused = statestore::GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, cache.path().string());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, kube::ErrorKind::kTls) << refused.error().to_string();
  auto trusted = statestore::GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t", .ca_bundle = server_->ca_pem()},
                                             cache.path().string());
  EXPECT_TRUE(trusted.has_value()) << trusted.error().to_string();
}

TEST_F(TlsDefaults, TheS3ClientRefusesAnUntrustedServerAndTrustsTheStoresCa) {
  statestore::S3Client client({.endpoint = host_port_, .bucket = "kratix", .access_key_id = "k", .secret_access_key = "s",
                               .region = "us-east-1"});
  auto listed = client.list("");
  ASSERT_FALSE(listed.has_value());
  EXPECT_EQ(listed.error().kind, kube::ErrorKind::kTls) << listed.error().to_string();
  statestore::S3Client trusting({.endpoint = host_port_, .bucket = "kratix", .access_key_id = "k", .secret_access_key = "s",
                                 .region = "us-east-1", .ca_bundle = server_->ca_pem()});
  auto answered = trusting.list("");
  ASSERT_FALSE(answered.has_value()) << "nginx is no S3 server";
  EXPECT_NE(answered.error().kind, kube::ErrorKind::kTls) << answered.error().to_string();
}

TEST_F(TlsDefaults, ThePlainHttpClientRefusesAnUntrustedServerAndTrustsAGivenCa) {
  auto refused = base::http_request({.url = "https://" + host_port_ + "/"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, base::HttpFailure::Kind::kTls) << refused.error().message;
  auto trusted = base::http_request({.url = "https://" + host_port_ + "/", .ca_bundle = server_->ca_pem()});
  EXPECT_TRUE(trusted.has_value()) << trusted.error().message;
}

}  // namespace
}  // namespace pave
