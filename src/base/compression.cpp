#include "base/compression.h"

#include <zlib.h>

#include "base/encoding.h"

namespace pave::base {

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
  return base64_encode(gz);
}

std::expected<std::string, std::string> gunzip_base64(std::string_view encoded, size_t max_size) {
  auto decoded = base64_decode(std::string(encoded));
  if (!decoded) return std::unexpected("not base64");
  std::string& gz = *decoded;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return std::unexpected("not gzip");
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&zs);
      return std::unexpected("larger than " + std::to_string(max_size) + " bytes");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::unexpected("not gzip");
  return out;
}

}  // namespace pave::base
