// The CA and serving certificates Pave makes for its webhooks: signed by the CA, with the names asked for,
// valid for as long as asked (never past the CA), and accepted by a TLS client that trusts only that CA.
#include <gtest/gtest.h>

#include "base/certificates.h"
#include "base/subprocess.h"
#include "base/temp_dir.h"

#include <fstream>

namespace pave::base {
namespace {

using namespace std::chrono_literals;

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(Certificates, AServingCertificateIsSignedByItsCaForItsNames) {
  auto ca = make_certificate_authority("pave-webhook-ca", 24h * 365);
  ASSERT_TRUE(ca.has_value()) << ca.error();
  auto serving = make_serving_certificate(*ca, {.common_name = "pave-webhook", .dns_names = {"pave-webhook.kratix-platform-system.svc"},
                                                .ip_addresses = {"127.0.0.1"}, .validity = 24h * 30});
  ASSERT_TRUE(serving.has_value()) << serving.error();
  EXPECT_TRUE(signed_by(serving->certificate, ca->certificate));
  EXPECT_FALSE(signed_by(serving->certificate, make_certificate_authority("other", 24h)->certificate));
  EXPECT_FALSE(signed_by("not a certificate", ca->certificate));

  auto dir = TempDir::create("certs").value();
  const std::string ca_path = write(dir, "ca.crt", ca->certificate);
  const std::string cert_path = write(dir, "tls.crt", serving->certificate);
  auto verified = run({.argv = {"openssl", "verify", "-CAfile", ca_path, "-purpose", "sslserver", cert_path}});
  EXPECT_TRUE(verified.ok()) << verified.out << verified.err;
  auto names = run({.argv = {"openssl", "x509", "-in", cert_path, "-noout", "-ext", "subjectAltName"}});
  EXPECT_NE(names.out.find("DNS:pave-webhook.kratix-platform-system.svc"), std::string::npos) << names.out;
  EXPECT_NE(names.out.find("IP Address:127.0.0.1"), std::string::npos) << names.out;
  // The key is the certificate's.
  auto key_path = write(dir, "tls.key", serving->key);
  auto from_key = run({.argv = {"openssl", "pkey", "-in", key_path, "-pubout"}});
  auto from_cert = run({.argv = {"openssl", "x509", "-in", cert_path, "-noout", "-pubkey"}});
  EXPECT_EQ(from_key.out, from_cert.out);
}

TEST(Certificates, ValidityIsAsAskedAndNeverOutlivesTheCa) {
  const auto now = std::chrono::system_clock::now();
  auto ca = make_certificate_authority("short-ca", 24h * 10);
  ASSERT_TRUE(ca.has_value());
  auto ca_end = certificate_not_after(ca->certificate);
  ASSERT_TRUE(ca_end.has_value());
  EXPECT_NEAR(std::chrono::duration<double>(*ca_end - now).count(), std::chrono::duration<double>(24h * 10).count(), 5);
  auto serving = make_serving_certificate(*ca, {.common_name = "x", .dns_names = {"x"}, .validity = 24h * 365});
  ASSERT_TRUE(serving.has_value());
  EXPECT_EQ(certificate_not_after(serving->certificate).value(), *ca_end);
  EXPECT_FALSE(certificate_not_after("garbage").has_value());
  EXPECT_FALSE(make_serving_certificate(*ca, {.common_name = "x", .validity = 24h}).has_value()) << "no names";
}

}  // namespace
}  // namespace pave::base
