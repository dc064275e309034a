// Workload content as a Work carries it (kratix-spec.md 1.8): gzip, then standard base64.
#pragma once

#include <string>
#include <string_view>

namespace pave::adapter {

// gzip (zlib, default level) of content, then standard padded base64.
std::string gzip_base64(std::string_view content);

}  // namespace pave::adapter
