// Workload content as a Work carries it (kratix-spec.md 1.8): gzip, then standard base64.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace pave::base {

// gzip (zlib, default level) of content, then standard padded base64.
std::string gzip_base64(std::string_view content);

// The reverse: base64, then gunzip, refusing to inflate more than max_size bytes (a few hundred bytes of
// gzip can claim gigabytes). Errors, as text: "not base64", "not gzip", or "larger than N bytes".
std::expected<std::string, std::string> gunzip_base64(std::string_view encoded, size_t max_size);

}  // namespace pave::base
