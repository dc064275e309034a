#include "base/http_client.h"

#include <curl/curl.h>

#include <memory>

namespace pave::base {
namespace {

struct Sink {
  std::string body;
  size_t max = 0;
  bool truncate = false;
  bool too_large = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body.size() + n > sink->max) {
    sink->too_large = true;
    if (sink->truncate) sink->body.append(data, sink->max - sink->body.size());
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

HttpFailure::Kind kind_of(CURLcode rc, bool too_large) {
  if (too_large) return HttpFailure::Kind::kTooLarge;
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE: return HttpFailure::Kind::kTls;
    case CURLE_OPERATION_TIMEDOUT: return HttpFailure::Kind::kTimeout;
    default: return HttpFailure::Kind::kTransport;
  }
}

}  // namespace

std::expected<HttpResponse, HttpFailure> http_request(const HttpRequest& request) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  for (const auto& [name, value] : request.headers) {
    headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_blob blob{.data = const_cast<char*>(request.ca_bundle.data()), .len = request.ca_bundle.size(), .flags = CURL_BLOB_NOCOPY};
  if (!request.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  if (!request.use_proxy) curl_easy_setopt(c, CURLOPT_PROXY, "");
  Sink sink{.max = request.max_body, .truncate = request.truncate_body};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  const CURLcode rc = curl_easy_perform(c);
  const bool truncated = rc == CURLE_WRITE_ERROR && sink.too_large && request.truncate_body;
  if (rc != CURLE_OK && !truncated) {
    const HttpFailure::Kind kind = kind_of(rc, sink.too_large);
    return std::unexpected(HttpFailure{
        kind, kind == HttpFailure::Kind::kTooLarge ? "the answer is longer than " + std::to_string(request.max_body) + " bytes"
                                                   : curl_easy_strerror(rc)});
  }
  HttpResponse response{.body = std::move(sink.body)};
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace pave::base
