// One HTTP request, answered whole: what Pave asks of web endpoints other than the Kubernetes API and S3
// (a GitHub App's token endpoint, a PromiseRelease's URL). TLS is verified, against ca_bundle when one is
// given, else the system's trust store; there is no switch to turn verification off.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace pave::base {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given (never logged by this code)
  std::string body;                                          // sent for any method but GET and HEAD
  std::chrono::milliseconds timeout{30'000};                 // the whole exchange, connection included
  std::string ca_bundle;                                     // PEM; "" for the system's trust store
  size_t max_body = 16 << 20;                                // a longer answer is an error, not read whole
  bool truncate_body = false;  // instead, keep the first max_body bytes and the answer (a probe's)
  bool use_proxy = true;       // false: connect directly, whatever http_proxy and its like say (a probe)
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Why no answer came: libcurl's code (kept apart so callers can tell TLS failures from the rest) and its text.
struct HttpFailure {
  enum class Kind { kTls, kTimeout, kTooLarge, kTransport } kind;
  std::string message;
};

std::expected<HttpResponse, HttpFailure> http_request(const HttpRequest& request);

}  // namespace pave::base
