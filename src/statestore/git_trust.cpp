#include "statestore/git_trust.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <memory>
#include <sstream>
#include <vector>

#include "base/encoding.h"

namespace pave::statestore {
namespace {

template <class T, void (*Free)(T*)>
using OpenSslOwned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

// Adds every certificate of a PEM bundle to store; false when it holds none.
bool add_bundle(X509_STORE* store, const std::string& pem) {
  OpenSslOwned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    added += X509_STORE_add_cert(store, cert) == 1;
    X509_free(cert);
  }
  return added > 0;
}

// Whether name, one entry of a known_hosts line's host list, is "|1|salt|hash" for wanted.
bool hashed_name_matches(std::string_view name, std::string_view wanted) {
  if (!name.starts_with("|1|")) return false;
  name.remove_prefix(3);
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) return false;
  auto salt = base::base64_decode(std::string(name.substr(0, bar)));
  auto hash = base::base64_decode(std::string(name.substr(bar + 1)));
  if (!salt || !hash) return false;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()), reinterpret_cast<const unsigned char*>(wanted.data()),
       wanted.size(), out, &len);
  return len == hash->size() && CRYPTO_memcmp(out, hash->data(), len) == 0;
}

// OpenSSH's host patterns: * is any run of characters, ? any one; everything else, brackets included
// (as in "[host]:port"), stands for itself.
bool glob_matches(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

enum class Match { kNone, kYes, kNegated };

// How a line's comma-separated host list treats wanted: a negated pattern that matches wins.
Match host_list_matches(const std::string& hosts, const std::string& wanted) {
  Match result = Match::kNone;
  std::istringstream names(hosts);
  for (std::string name; std::getline(names, name, ',');) {
    const bool negated = name.starts_with("!");
    if (negated) name.erase(0, 1);
    const bool matches = name.starts_with("|1|") ? hashed_name_matches(name, wanted)
                                                 : glob_matches(name, wanted);
    if (!matches) continue;
    if (negated) return Match::kNegated;
    result = Match::kYes;
  }
  return result;
}

}  // namespace

bool trusted_by_ca(const std::string& ca_pem, const unsigned char* der, size_t len, const char* host) {
  OpenSslOwned<X509, X509_free> leaf(d2i_X509(nullptr, &der, static_cast<long>(len)));
  if (!leaf || !host) return false;
  OpenSslOwned<X509_STORE, X509_STORE_free> store(X509_STORE_new());
  OpenSslOwned<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  return add_bundle(store.get(), ca_pem) && X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) == 1 &&
         X509_verify_cert(ctx.get()) == 1 && X509_check_host(leaf.get(), host, 0, 0, nullptr) == 1;
}

bool known_host(std::string_view known_hosts, std::string_view host, int port, std::string_view raw_key) {
  const std::string wanted = port == 22 ? std::string(host) : "[" + std::string(host) + "]:" + std::to_string(port);
  bool listed = false;
  std::istringstream lines{std::string(known_hosts)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string marker, hosts, type, key;
    if (!(fields >> hosts) || hosts.starts_with("#")) continue;
    if (hosts.starts_with("@")) {
      marker = hosts;
      if (!(fields >> hosts)) continue;
    }
    if (!(fields >> type >> key) || marker == "@cert-authority") continue;
    if (host_list_matches(hosts, wanted) != Match::kYes) continue;
    if (base::base64_decode(key) != std::string(raw_key)) continue;
    if (marker == "@revoked") return false;
    listed = listed || marker.empty();
  }
  return listed;
}

bool is_ssh_url(std::string_view url) { return url.starts_with("ssh://") || url.find("://") == std::string_view::npos; }

int ssh_port(std::string_view url) {
  if (!url.starts_with("ssh://")) return 22;
  url.remove_prefix(6);
  url = url.substr(0, url.find('/'));
  if (const size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  const size_t bracket = url.rfind(']');
  const size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) return 22;
  int port = 22;
  const auto digits = url.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return ec == std::errc() && end == digits.data() + digits.size() ? port : 22;
}

}  // namespace pave::statestore
