// X.509 certificates Pave makes for itself: a certificate authority and the serving certificates it signs
// (for the admission webhooks, which the API server only calls over verified TLS). Keys are ECDSA P-256.
// Everything is PEM text, ready for a Secret or a caBundle.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

namespace pave::base {

struct CertificateAndKey {
  std::string certificate;  // PEM
  std::string key;          // PEM (PKCS #8)
};

// A self-signed CA, valid from an hour ago (clock skew) for `validity`.
std::expected<CertificateAndKey, std::string> make_certificate_authority(const std::string& common_name,
                                                                         std::chrono::seconds validity);

// A serving certificate signed by ca for these DNS names and IP addresses (subjectAltName), valid from an
// hour ago for `validity` (never past the CA's own end).
struct ServingCertificateRequest {
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::chrono::seconds validity;
};
std::expected<CertificateAndKey, std::string> make_serving_certificate(const CertificateAndKey& ca,
                                                                       const ServingCertificateRequest& request);

// When the first certificate in pem stops being valid.
std::expected<std::chrono::system_clock::time_point, std::string> certificate_not_after(const std::string& pem);

// Whether certificate (PEM) was issued by ca (PEM) and its signature checks out.
bool signed_by(const std::string& certificate, const std::string& ca);

}  // namespace pave::base
