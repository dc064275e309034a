// Text encodings used across Pave: base64 (standard alphabet, padded) and RFC 3986 percent-encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pave::base {

std::string base64_encode(std::string_view data);

// Decodes standard base64; whitespace is skipped. Nothing when another character appears.
std::optional<std::string> base64_decode(std::string_view text);

// Percent-encodes everything but unreserved characters (and '/' when keep_slash, for paths).
std::string percent_encode(std::string_view s, bool keep_slash = false);

}  // namespace pave::base
