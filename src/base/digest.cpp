#include "base/digest.h"

#include <openssl/evp.h>

namespace pave::base {
namespace {

std::string hex_digest(const EVP_MD* md, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string md5_hex(std::string_view data) { return hex_digest(EVP_md5(), data); }
std::string sha1_hex(std::string_view data) { return hex_digest(EVP_sha1(), data); }
std::string sha256_hex(std::string_view data) { return hex_digest(EVP_sha256(), data); }

}  // namespace pave::base
