#include "base/encoding.h"

#include <cctype>

namespace pave::base {
namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  int val = 0, bits = -6;
  for (unsigned char c : data) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out += kAlphabet[(val >> bits) & 0x3F];
      bits -= 6;
    }
  }
  if (bits > -6) out += kAlphabet[((val << 8) >> (bits + 8)) & 0x3F];
  while (out.size() % 4) out += '=';
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : text) {
    if (c == '=') break;
    if (std::isspace(c)) continue;
    auto pos = kAlphabet.find(static_cast<char>(c));
    if (pos == std::string_view::npos) return std::nullopt;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string percent_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace pave::base
