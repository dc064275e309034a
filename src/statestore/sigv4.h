// AWS Signature Version 4 for S3 requests, made here for the one case libcurl's own signing cannot take:
// a request dated in another clock's time. libcurl 7.88 (Debian 12's) signs with an x-amz-date header it
// is given but then sends its own as well, and the server, reading both, refuses the signature. S3Client
// signs through libcurl otherwise (s3_client.h).
#pragma once

#include <string>

namespace pave::statestore {

struct SigV4Request {
  std::string method;         // GET, PUT, ...
  std::string host;           // the Host header as sent: host[:port]
  std::string path;           // URI-encoded as sent, e.g. /bucket/dir/a%20b.yaml
  std::string query;          // as sent: name=value pairs joined by '&', sorted by name; a bare name reads as name=
  std::string payload_sha256; // hex, as sent in x-amz-content-sha256
  std::string amz_date;       // YYYYMMDDTHHMMSSZ, as sent in x-amz-date
};

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
};

// The Authorization header's value for request, which signs host, x-amz-content-sha256 and x-amz-date.
std::string sigv4_authorization(const SigV4Request& request, const SigV4Credentials& credentials);

}  // namespace pave::statestore
