// Text encodings used across Pave: base64 (standard alphabet, padded), RFC 3986 percent-encoding, and UTF-8
// checks.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pave::base {

std::string base64_encode(std::string_view data);

// Decodes standard base64; whitespace is skipped. Nothing when another character appears.
std::optional<std::string> base64_decode(std::string_view text);

// Percent-encodes everything but unreserved characters (and '/' when keep_slash, for paths).
std::string percent_encode(std::string_view s, bool keep_slash = false);

// UTF-8 (RFC 3629): the length of the valid sequence at text[i], or 0 when there is none (overlong forms,
// surrogates and code points past U+10FFFF are not valid).
size_t utf8_sequence_length(std::string_view text, size_t i);

// The code point of the n-byte sequence at text[i], which utf8_sequence_length found valid.
char32_t utf8_code_point(std::string_view text, size_t i, size_t n);

// Where text stops being UTF-8, or npos.
size_t invalid_utf8_at(std::string_view text);

// text with each byte that starts no valid sequence replaced by U+FFFD, as Go's encoding/json writes a
// string of bytes.
std::string valid_utf8(std::string_view text);

}  // namespace pave::base
