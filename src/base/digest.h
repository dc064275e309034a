// Message digests as lower-case hex: md5 (Kratix's names and workload group ids, S3's ETags) and
// sha256 (S3's payload hashes and Pave's bucket versions); sha1 (the CLI's shortened container names).
#pragma once

#include <string>
#include <string_view>

namespace pave::base {

std::string md5_hex(std::string_view data);
std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace pave::base
