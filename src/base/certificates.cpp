#include "base/certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace pave::base {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;

std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char text[256] = {};
  if (code) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return what + (code ? std::string(": ") + text : std::string());
}

Key new_key() { return Key(EVP_EC_gen("P-256")); }

std::string to_pem(const X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Cert read_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Key read_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool added = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return added;
}

// A certificate for key with a random serial, named common_name, valid from an hour ago for validity.
Cert new_certificate(EVP_PKEY* key, const std::string& common_name, std::chrono::seconds validity) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

std::expected<CertificateAndKey, std::string> make_certificate_authority(const std::string& common_name,
                                                                         std::chrono::seconds validity) {
  Key key = new_key();
  if (!key) return std::unexpected(openssl_error("cannot make a key"));
  Cert cert = new_certificate(key.get(), common_name, validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return std::unexpected(openssl_error("cannot sign the CA certificate"));
  }
  return CertificateAndKey{to_pem(cert.get()), to_pem(key.get())};
}

std::expected<CertificateAndKey, std::string> make_serving_certificate(const CertificateAndKey& ca,
                                                                       const ServingCertificateRequest& request) {
  Cert issuer = read_cert(ca.certificate);
  Key issuer_key = read_key(ca.key);
  if (!issuer || !issuer_key) return std::unexpected(openssl_error("cannot read the CA"));
  Key key = new_key();
  if (!key) return std::unexpected(openssl_error("cannot make a key"));
  Cert cert = new_certificate(key.get(), request.common_name, request.validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get()));
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(issuer.get())) > 0) {
    X509_set1_notAfter(cert.get(), X509_get0_notAfter(issuer.get()));
  }
  std::string names;
  for (const auto& d : request.dns_names) names += (names.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : request.ip_addresses) names += (names.empty() ? "" : ",") + std::string("IP:") + ip;
  if (names.empty()) return std::unexpected("a serving certificate needs a DNS name or an IP address");
  if (!add_extension(cert.get(), issuer.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), issuer.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_extension(cert.get(), issuer.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), issuer.get(), NID_authority_key_identifier, "keyid:always") ||
      !add_extension(cert.get(), issuer.get(), NID_subject_alt_name, names) ||
      X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) == 0) {
    return std::unexpected(openssl_error("cannot sign the serving certificate"));
  }
  return CertificateAndKey{to_pem(cert.get()), to_pem(key.get())};
}

std::expected<std::chrono::system_clock::time_point, std::string> certificate_not_after(const std::string& pem) {
  Cert cert = read_cert(pem);
  if (!cert) return std::unexpected(openssl_error("not a PEM certificate"));
  struct tm t = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &t) != 1) return std::unexpected(openssl_error("unreadable notAfter"));
  return std::chrono::system_clock::from_time_t(timegm(&t));
}

bool signed_by(const std::string& certificate, const std::string& ca) {
  Cert cert = read_cert(certificate);
  Cert issuer = read_cert(ca);
  if (!cert || !issuer) {
    ERR_clear_error();
    return false;
  }
  Key issuer_key(X509_get_pubkey(issuer.get()));
  const bool ok = X509_check_issued(issuer.get(), cert.get()) == X509_V_OK && X509_verify(cert.get(), issuer_key.get()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace pave::base
