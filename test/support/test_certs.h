// A throwaway CA and a server certificate it signed, for test servers that speak TLS on loopback.
#pragma once

#include <expected>
#include <string>

namespace pave::testing {

// Writes ca.crt/ca.key and tls.crt/tls.key (for DNS:localhost and IP:127.0.0.1, EC P-256, valid two
// days) into dir.
std::expected<void, std::string> make_test_certificates(const std::string& dir);

}  // namespace pave::testing
