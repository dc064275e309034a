#include "base/redact.h"

namespace pave::base {

std::string redact_credentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  while (true) {
    const size_t scheme = text.find("://", at);
    if (scheme == std::string_view::npos) break;
    const size_t start = scheme + 3;
    // The authority ends at the first '/', '?', '#', whitespace or quote; user information ends at its last '@'.
    size_t end = start;
    while (end < text.size() && text.find_first_of("/?# \t\r\n\"'<>", end) != end) ++end;
    const size_t userinfo_end = text.substr(start, end - start).rfind('@');
    out.append(text.substr(at, start - at));
    if (userinfo_end != std::string_view::npos) {
      out += "redacted";
      out.append(text.substr(start + userinfo_end, end - start - userinfo_end));
    } else {
      out.append(text.substr(start, end - start));
    }
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace pave::base
