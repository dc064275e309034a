#include "kube/transport.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <curl/curl.h>

#include "base/encoding.h"
#include <mutex>
#include <random>
#include <thread>

namespace pave::kube {
namespace {

using Clock = std::chrono::steady_clock;

std::once_flag curl_init_once;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_retriable_status(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

ErrorKind kind_for_curl_error(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::kTimeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return ErrorKind::kTls;
    default:
      return ErrorKind::kTransport;
  }
}

// State handed to curl's callbacks for one transfer.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse response;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<int64_t>* deadline = nullptr;  // the transport's wind-down deadline (steady ns)
  bool stopped_by_reader = false;
  bool abandoned = false;  // the deadline passed
};

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) t->response.headers.clear();  // a new response (after a redirect or 100)
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string value(line.substr(colon + 1));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    size_t start = value.find_first_not_of(' ');
    t->response.headers[lower(std::string(line.substr(0, colon)))] = start == std::string::npos ? "" : value.substr(start);
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->on_data && status >= 200 && status < 300) {
    if (!(*t->on_data)(std::string_view(data, n))) {
      t->stopped_by_reader = true;
      return 0;  // aborts the transfer
    }
    return n;
  }
  t->response.body.append(data, n);
  return n;
}

// libcurl calls this about once a second at least, also while connecting and while no data flows.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->load()) return 1;
  if (steady_now_ns() >= t->deadline->load()) {
    t->abandoned = true;
    return 1;
  }
  return 0;
}

}  // namespace

// The curl handles (each with its open connection) and the TLS sessions and DNS cache they share.
struct Transport::Impl {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
  std::mutex pool_mu;
  std::vector<CURL*> idle;
  // Retry waits sleep here, so that wind_down ends them.
  std::mutex wait_mu;
  std::condition_variable wait_cv;

  Impl() {
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data d, curl_lock_access, void* u) {
      static_cast<Impl*>(u)->locks[d].lock();
    });
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data d, void* u) {
      static_cast<Impl*>(u)->locks[d].unlock();
    });
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    // Connections are not shared: libcurl does not support one connection cache used by concurrent
    // threads. Each pooled handle keeps its own connection, reused by whoever takes the handle next.
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  ~Impl() {
    for (CURL* c : idle) curl_easy_cleanup(c);
    curl_share_cleanup(share);
  }
  CURL* checkout() {
    std::lock_guard lock(pool_mu);
    if (idle.empty()) return curl_easy_init();
    CURL* c = idle.back();
    idle.pop_back();
    curl_easy_reset(c);
    return c;
  }
  void give_back(CURL* c) {
    std::lock_guard lock(pool_mu);
    if (idle.size() < 16) {
      idle.push_back(c);
    } else {
      curl_easy_cleanup(c);
    }
  }
};

Transport::Transport(const Config& config)
    : config_(config), credentials_(config), limiter_(config.qps, config.burst), impl_(std::make_unique<Impl>()) {}

Transport::~Transport() = default;

Result<std::shared_ptr<Transport>> Transport::create(const Config& config) {
  if (config.server.empty()) return std::unexpected(make_error(ErrorKind::kConfig, "no server in config"));
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    return std::unexpected(make_error(ErrorKind::kConfig, "server must be an http(s) URL: " + config.server));
  }
  std::call_once(curl_init_once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // With CURLOPT_NOSIGNAL (needed with threads) curl no longer masks SIGPIPE, and TLS writes to a
    // connection the server closed would kill the process.
    std::signal(SIGPIPE, SIG_IGN);
  });
  return std::shared_ptr<Transport>(new Transport(config));
}

Result<HttpResponse> Transport::perform(const HttpRequest& request,
                                        const std::function<bool(std::string_view)>* on_data,
                                        const std::atomic<bool>* cancel) {
  if (past_wind_down(request)) return std::unexpected(abandoned_error(request));
  auto creds = credentials_.current();
  if (!creds) return std::unexpected(creds.error());

  static const std::atomic<int64_t> kNever{kNoDeadline};
  Transfer t{.on_data = on_data, .cancel = cancel, .deadline = request.after_wind_down ? &kNever : &wind_down_deadline_};
  CURL* curl = impl_->checkout();
  t.curl = curl;
  const std::string url = config_.server + request.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, config_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  const auto timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
  if (!on_data) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);

  // TLS: verification stays on unless the kubeconfig says insecure-skip-tls-verify.
  curl_blob ca{.data = const_cast<char*>(config_.ca_data.data()), .len = config_.ca_data.size(), .flags = CURL_BLOB_COPY};
  if (!config_.ca_data.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  else if (!config_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const std::string& cert_pem = creds->client_cert_pem.empty() ? config_.client_cert_data : creds->client_cert_pem;
  const std::string& key_pem = creds->client_key_pem.empty() ? config_.client_key_data : creds->client_key_pem;
  curl_blob cert{.data = const_cast<char*>(cert_pem.data()), .len = cert_pem.size(), .flags = CURL_BLOB_COPY};
  curl_blob key{.data = const_cast<char*>(key_pem.data()), .len = key_pem.size(), .flags = CURL_BLOB_COPY};
  if (!cert_pem.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  } else if (!config_.client_cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, config_.client_cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, config_.client_key_file.c_str());
  }
  if (!config_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.password.c_str());
  }

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Accept: " + request.accept).c_str());
  if (!creds->bearer_token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + creds->bearer_token).c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    const std::string type = request.content_type.empty() ? "application/json" : request.content_type;
    headers = curl_slist_append(headers, ("Content-Type: " + type).c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);

  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  long version = 0;
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  t.response.new_connection = connects > 0;
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
  t.response.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : version == CURL_HTTP_VERSION_1_1 ? 11 : 10;
  curl_slist_free_all(headers);
  impl_->give_back(curl);
  t.response.status = static_cast<int>(status);

  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.stopped_by_reader)) return std::move(t.response);
  if (rc == CURLE_ABORTED_BY_CALLBACK && t.abandoned) return std::unexpected(abandoned_error(request));
  if (rc == CURLE_ABORTED_BY_CALLBACK) return std::move(t.response);  // cancelled by the caller
  Error e = make_error(kind_for_curl_error(rc),
                       std::string(request.method) + " " + config_.server + ": " + curl_easy_strerror(rc));
  e.http_status = static_cast<int>(status);
  return std::unexpected(e);
}

Result<HttpResponse> Transport::send(const HttpRequest& request) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  bool refreshed_credentials = false;
  for (int attempt = 1;; ++attempt) {
    if (past_wind_down(request)) return std::unexpected(abandoned_error(request));
    limiter_.acquire();
    const auto start = Clock::now();
    auto result = perform(request, nullptr, nullptr);
    if (observer_) {
      observer_({request.method, result ? result->status : 0, Clock::now() - start, attempt});
    }
    // A 401 with rotating credentials: fetch fresh ones once, then report whatever comes back.
    if (result && result->status == 401 && !refreshed_credentials &&
        (config_.exec || !config_.token_file.empty())) {
      credentials_.invalidate();
      refreshed_credentials = true;
      continue;
    }
    const bool may_retry = attempt <= config_.max_retries && !winding_down();
    std::chrono::milliseconds wait{0};
    if (result && is_retriable_status(result->status) && may_retry) {
      auto it = result->headers.find("retry-after");
      auto retry_after = it != result->headers.end() ? parse_retry_after(it->second) : std::nullopt;
      wait = retry_after ? std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after)
                         : std::chrono::milliseconds(100 << std::min(attempt, 6));
    } else if (!result && result.error().kind == ErrorKind::kTransport && may_retry &&
               (request.method == "GET" || result.error().http_status == 0)) {
      wait = std::chrono::milliseconds(100 << std::min(attempt, 6));
    } else {
      return result;
    }
    // Jitter keeps many clients from retrying in step.
    wait += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 50)(rng));
    std::unique_lock lock(impl_->wait_mu);
    if (impl_->wait_cv.wait_for(lock, std::min<std::chrono::milliseconds>(wait, std::chrono::seconds(30)),
                                [this] { return winding_down(); })) {
      return result;
    }
  }
}

void Transport::wind_down(std::chrono::milliseconds grace) {
  const int64_t deadline = steady_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count();
  {
    std::lock_guard lock(impl_->wait_mu);
    int64_t current = wind_down_deadline_.load();
    while (deadline < current && !wind_down_deadline_.compare_exchange_weak(current, deadline)) {
    }
  }
  impl_->wait_cv.notify_all();
}

bool Transport::past_wind_down(const HttpRequest& request) const {
  return !request.after_wind_down && steady_now_ns() >= wind_down_deadline_.load();
}

Error Transport::abandoned_error(const HttpRequest& request) const {
  return make_error(ErrorKind::kTransport, request.method + " " + config_.server + ": abandoned: the process is stopping");
}

Result<HttpResponse> Transport::stream(const HttpRequest& request,
                                       const std::function<bool(std::string_view)>& on_data,
                                       const std::atomic<bool>& cancel) {
  if (past_wind_down(request)) return std::unexpected(abandoned_error(request));
  limiter_.acquire();
  const auto start = Clock::now();
  auto result = perform(request, &on_data, &cancel);
  if (observer_) observer_({request.method, result ? result->status : 0, Clock::now() - start, 1});
  if (result && result->status == 401 && (config_.exec || !config_.token_file.empty())) credentials_.invalidate();
  return result;
}

std::string url_escape(std::string_view s) { return base::percent_encode(s); }

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value) {
  long seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || p != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

Result<bool> has_priority_and_fairness(Transport& transport) {
  auto answer = transport.send({.path = "/version"});
  if (!answer) return std::unexpected(answer.error());
  return answer->headers.contains("x-kubernetes-pf-flowschema-uid") ||
         answer->headers.contains("x-kubernetes-pf-prioritylevel-uid");
}

RateLimit choose_rate_limit(std::optional<double> qps, std::optional<int> burst, bool server_has_apf) {
  constexpr RateLimit kWithoutApf{.qps = 200, .burst = 400};
  if (qps) return {.qps = *qps, .burst = burst.value_or(std::max(1, static_cast<int>(*qps * 2)))};
  if (server_has_apf) return {.qps = 0, .burst = burst.value_or(kWithoutApf.burst)};
  return {.qps = kWithoutApf.qps, .burst = burst.value_or(kWithoutApf.burst)};
}

}  // namespace pave::kube
