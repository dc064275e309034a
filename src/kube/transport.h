// HTTP to one API server over libcurl.
//
// One Transport per Config, shared by every client and watch in the process. It keeps a pool of curl
// handles, each holding its connection open for the next request, and shares TLS sessions between them;
// speaks HTTP/2 where the server offers it; waits on a client-side token bucket before each request; and retries
// 429 and 5xx answers with backoff, honouring Retry-After. Creating the first Transport sets SIGPIPE to
// be ignored in the process, so a server closing a connection mid-write cannot kill it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/config.h"
#include "kube/credentials.h"
#include "kube/error.h"
#include "kube/rate_limiter.h"

namespace pave::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;                 // "/api/v1/namespaces/x/pods?limit=10", already escaped
  std::string body;
  std::string content_type;         // empty: application/json when there is a body
  std::string accept = "application/json";
  std::chrono::milliseconds timeout{0};  // 0: the Config's timeout
  // Sent once even after a wind-down's grace, within its own timeout: what a stopping process does last
  // (a leader giving its Lease back once its controllers have stopped).
  bool after_wind_down = false;
};

struct HttpResponse {
  int status = 0;
  int http_version = 0;                        // 11 or 2 (HTTP/1.1 or HTTP/2), as negotiated
  bool new_connection = false;                 // false: an open connection was reused
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

// What the transport reports about each finished request, for metrics.
struct RequestRecord {
  std::string method;
  int status = 0;  // 0 when no response arrived
  std::chrono::duration<double> latency{};
  int attempt = 1;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

class Transport {
 public:
  static Result<std::shared_ptr<Transport>> create(const Config& config);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends a request, retrying transient failures. Any HTTP status is returned as a response; only a
  // request that never completed is an Error.
  Result<HttpResponse> send(const HttpRequest& request);

  // Sends a request and hands each piece of a 2xx body to on_data as it arrives, until the server ends
  // the response, on_data returns false, or cancel becomes true (checked at least once a second).
  // A non-2xx answer is returned whole as the response (on_data is not called).
  Result<HttpResponse> stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data,
                              const std::atomic<bool>& cancel);

  // The process is stopping. From now on no request is retried (a retry's wait ends at once), and a
  // transfer still running once grace has passed, or started after that, is abandoned with a kTransport
  // error. So a stopping process spends at most grace on requests, whatever its API server does: one that
  // is gone or never answers held a stopping controller for its timeouts and every retry. Streams also end
  // at that point, if their cancel flag has not ended them first.
  void wind_down(std::chrono::milliseconds grace);
  bool winding_down() const { return wind_down_deadline_.load() != kNoDeadline; }

  void set_observer(RequestObserver observer) { observer_ = std::move(observer); }
  const Config& config() const { return config_; }

 private:
  struct Impl;
  explicit Transport(const Config& config);
  Result<HttpResponse> perform(const HttpRequest& request, const std::function<bool(std::string_view)>* on_data,
                               const std::atomic<bool>* cancel);
  bool past_wind_down(const HttpRequest& request) const;
  Error abandoned_error(const HttpRequest& request) const;

  static constexpr int64_t kNoDeadline = INT64_MAX;

  const Config config_;
  // When wind_down's grace ends (steady clock, nanoseconds), or kNoDeadline.
  std::atomic<int64_t> wind_down_deadline_{kNoDeadline};
  CredentialProvider credentials_;
  TokenBucket limiter_;
  RequestObserver observer_;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query parameter value or a path segment.
std::string url_escape(std::string_view s);

// Parses a Retry-After header given in seconds; nothing when absent or a date.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value);

// Whether the API server runs API Priority and Fairness, as the flow-schema header on its answers says.
// Such a server queues and sheds load fairly by itself, so controller-runtime and Flux turn their
// client-side rate limit off against it unless told a limit.
Result<bool> has_priority_and_fairness(Transport& transport);

// The client-side limit to use: what was asked for; else none when the server protects itself (APF);
// else 200 a second with bursts of 400.
struct RateLimit {
  double qps = 0;
  int burst = 0;
};
RateLimit choose_rate_limit(std::optional<double> qps, std::optional<int> burst, bool server_has_apf);

}  // namespace pave::kube
