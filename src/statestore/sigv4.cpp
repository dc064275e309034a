#include "statestore/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "base/digest.h"

namespace pave::statestore {
namespace {

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Every parameter as name=value, sorted (S3 signs "uploads" as "uploads=").
std::string canonical_query(const std::string& query) {
  std::vector<std::string> params;
  std::stringstream in(query);
  for (std::string p; std::getline(in, p, '&');) {
    if (p.empty()) continue;
    params.push_back(p.find('=') == std::string::npos ? p + "=" : p);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& p : params) out += (out.empty() ? "" : "&") + p;
  return out;
}

}  // namespace

std::string sigv4_authorization(const SigV4Request& r, const SigV4Credentials& c) {
  static constexpr const char* kSignedHeaders = "host;x-amz-content-sha256;x-amz-date";
  const std::string canonical_request = r.method + "\n" + (r.path.empty() ? "/" : r.path) + "\n" + canonical_query(r.query) +
                                        "\nhost:" + r.host + "\nx-amz-content-sha256:" + r.payload_sha256 +
                                        "\nx-amz-date:" + r.amz_date + "\n\n" + kSignedHeaders + "\n" + r.payload_sha256;
  const std::string day = r.amz_date.substr(0, 8);
  const std::string scope = day + "/" + c.region + "/s3/aws4_request";
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + r.amz_date + "\n" + scope + "\n" + base::sha256_hex(canonical_request);
  const std::string key = hmac_sha256(hmac_sha256(hmac_sha256(hmac_sha256("AWS4" + c.secret_access_key, day), c.region), "s3"),
                                      "aws4_request");
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + scope + ", SignedHeaders=" + kSignedHeaders +
         ", Signature=" + hex(hmac_sha256(key, string_to_sign));
}

}  // namespace pave::statestore
