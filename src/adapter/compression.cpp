#include "adapter/compression.h"

#include <zlib.h>

#include "base/encoding.h"

namespace pave::adapter {

std::string gzip_base64(std::string_view content) {
  z_stream zs{};
  // 16 + MAX_WBITS asks zlib for a gzip header and trailer rather than a raw zlib stream.
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  zs.avail_in = static_cast<uInt>(content.size());
  std::string gz;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = deflate(&zs, Z_FINISH);
    gz.append(buf, sizeof buf - zs.avail_out);
  }
  deflateEnd(&zs);
  return base::base64_encode(gz);
}

}  // namespace pave::adapter
