#include "support/test_certs.h"

#include "base/subprocess.h"

namespace pave::testing {

std::expected<void, std::string> make_test_certificates(const std::string& d) {
  // libgit2 with mbedTLS matches DNS names, not IPs; curl matches either: the certificate names both.
  const std::string ssl = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=pave-test-ca "
                          "-keyout " + d + "/ca.key -out " + d + "/ca.crt 2>/dev/null && "
                          "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
                          "-keyout " + d + "/tls.key -out " + d + "/tls.csr 2>/dev/null && "
                          "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > " + d + "/san.ext && "
                          "openssl x509 -req -in " + d + "/tls.csr -CA " + d + "/ca.crt -CAkey " + d + "/ca.key "
                          "-CAcreateserial -days 2 -extfile " + d + "/san.ext -out " + d + "/tls.crt 2>/dev/null";
  if (auto made = base::run({.argv = {"sh", "-c", ssl}}); !made.ok()) return std::unexpected("openssl: " + made.err);
  return {};
}

}  // namespace pave::testing
