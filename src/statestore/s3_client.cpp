#include "statestore/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>
#include <set>

#include "base/digest.h"
#include "base/encoding.h"
#include "kube/log.h"
#include "statestore/sigv4.h"

namespace pave::statestore {

using kube::ErrorKind;

S3Client::S3Client(BucketConfig config) : config_(std::move(config)) {}

S3Client::~S3Client() {
  for (CURL* c : idle_) curl_easy_cleanup(c);
}

CURL* S3Client::checkout() {
  std::lock_guard lock(pool_mu_);
  if (idle_.empty()) return curl_easy_init();
  CURL* c = idle_.back();
  idle_.pop_back();
  return c;
}

void S3Client::give_back(CURL* c) {
  std::lock_guard lock(pool_mu_);
  idle_.push_back(c);
}

std::string S3Client::base_url() const {
  return (config_.insecure ? "http://" : "https://") + config_.endpoint + "/" + config_.bucket;
}

kube::Error S3Client::s3_error(const std::string& what, const Response& r) const {
  const S3ErrorBody body = parse_s3_error(r.body);
  ErrorKind kind = ErrorKind::kOther;
  if (r.status == 403) kind = ErrorKind::kForbidden;
  if (body.code == "SignatureDoesNotMatch" || body.code == "InvalidAccessKeyId") kind = ErrorKind::kUnauthorized;
  if (r.status == 404) kind = ErrorKind::kNotFound;
  if (r.status == 429 || r.status >= 500) kind = ErrorKind::kTransient;
  kube::Error e = kube::make_error(kind, what + ": " + std::to_string(r.status) + " " + body.code +
                                             (body.message.empty() ? "" : ": " + body.message));
  e.http_status = static_cast<int>(r.status);
  e.reason = body.code;
  return e;
}

bool S3Client::learn_clock_skew(const Response& r) {
  const S3ErrorBody body = parse_s3_error(r.body);
  // A HEAD's refusal has no body: its Date header is all there is.
  if (body.code != "RequestTimeTooSkewed" && !(r.body.empty() && !r.date.empty())) return false;
  std::time_t server = -1;
  std::tm tm{};
  if (!body.server_time.empty() && strptime(body.server_time.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) {
    server = timegm(&tm);
  } else if (!r.date.empty()) {
    server = curl_getdate(r.date.c_str(), nullptr);
  }
  if (server < 0) return false;
  const int64_t skew = static_cast<int64_t>(server) - static_cast<int64_t>(std::time(nullptr));
  // A HEAD refused for its signature says nothing of the clock: only a difference S3 would refuse counts.
  if (body.code != "RequestTimeTooSkewed" && std::abs(skew) < 15 * 60) return false;
  clock_skew_s_ = skew;
  kube::log::warn("the S3 server's clock differs from this host's; signing requests in its time",
                  {{"endpoint", config_.endpoint}, {"skew_s", std::to_string(skew)}});
  return true;
}

std::chrono::milliseconds S3Client::backoff(int attempt) {
  const auto base = std::chrono::milliseconds(100) * (1 << std::min(attempt, 4));
  thread_local std::minstd_rand random(std::random_device{}());
  return base + std::chrono::milliseconds(std::uniform_int_distribution<int>(0, static_cast<int>(base.count() / 2))(random));
}

kube::Result<S3Client::Response> S3Client::request(const std::string& method, const std::string& key,
                                                   const std::string& query, const std::string& body) {
  bool clock_corrected = false;
  for (int attempt = 0;; ++attempt) {
    auto r = request_once(method, key, query, body);
    if (r && r->status == 403 && !clock_corrected && learn_clock_skew(*r)) {
      clock_corrected = true;  // once: a server whose clock keeps moving is refused as it says
      r = request_once(method, key, query, body);
    }
    // A POST (starting a multipart upload) is not sent twice: a lost answer would leave an upload behind.
    // A timed-out request is not either: it has already held its worker for the whole timeout.
    const bool failed = r ? (r->status == 429 || (r->status >= 500 && r->status <= 504 && r->status != 501))
                          : r.error().kind == ErrorKind::kTransport;
    if (!failed || method == "POST" || attempt + 1 >= kAttempts) return r;
    ++retries_;
    std::this_thread::sleep_for(backoff(attempt));
  }
}

kube::Result<S3Client::Response> S3Client::request_once(const std::string& method, const std::string& key,
                                                        const std::string& query, const std::string& body) {
  CURL* curl = checkout();
  struct GiveBack {
    S3Client* client;
    CURL* curl;
    ~GiveBack() { client->give_back(curl); }
  } give_back_on_return{this, curl};
  curl_easy_reset(curl);
  Response r;
  const std::string path = "/" + config_.bucket + (key.empty() ? "" : "/" + base::percent_encode(key, true));
  const std::string url = (config_.insecure ? "http://" : "https://") + config_.endpoint + path + (query.empty() ? "" : "?" + query);
  const std::string payload_sha256 = base::sha256_hex(body);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const int64_t skew = clock_skew_s_.load();
  const std::string sigv4 = "aws:amz:" + config_.region + ":s3";
  const std::string userpwd = config_.access_key_id + ":" + config_.secret_access_key;
  if (skew == 0) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout.count()));
  if (!config_.ca_bundle.empty()) {
    curl_blob blob{.data = const_cast<char*>(config_.ca_bundle.data()), .len = config_.ca_bundle.size(), .flags = CURL_BLOB_NOCOPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_slist* headers = nullptr;
  // curl signs this header but does not add it; S3 requires it.
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + payload_sha256).c_str());
  // With the server's clock known to differ, the request is dated and signed in its time, by sigv4.h
  // (curl would send its own date beside the one given).
  if (skew != 0) {
    const std::time_t when = std::time(nullptr) + skew;
    std::tm tm{};
    gmtime_r(&when, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    const std::string authorization = sigv4_authorization(
        {.method = method, .host = config_.endpoint, .path = path, .query = query, .payload_sha256 = payload_sha256, .amz_date = date},
        {.access_key_id = config_.access_key_id, .secret_access_key = config_.secret_access_key, .region = config_.region});
    headers = curl_slist_append(headers, ("Host: " + config_.endpoint).c_str());
    headers = curl_slist_append(headers, ("x-amz-date: " + std::string(date)).c_str());
    headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  }
  if (method == "PUT" || method == "POST") {
    if (method == "PUT") headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  // No "Expect:" override: curl would sign the header and then not send it.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
    static_cast<Response*>(u)->body.append(d, s * n);
    return s * n;
  });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
    std::string_view line(d, s * n);
    auto value = [&](size_t from) {
      std::string v(line.substr(from));
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    };
    auto named = [&](std::string_view name) {
      if (line.size() <= name.size() || line[name.size()] != ':') return false;
      for (size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
      }
      return true;
    };
    if (named("etag")) static_cast<Response*>(u)->etag = strip_etag_quotes(value(5));
    if (named("x-amz-bucket-region")) static_cast<Response*>(u)->bucket_region = value(20);
    if (named("date")) static_cast<Response*>(u)->date = value(5);
    return s * n;
  });
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    const ErrorKind kind = rc == CURLE_PEER_FAILED_VERIFICATION ? ErrorKind::kTls
                           : rc == CURLE_OPERATION_TIMEDOUT     ? ErrorKind::kTimeout
                                                                : ErrorKind::kTransport;
    return std::unexpected(kube::make_error(kind, method + " " + base_url() + ": " + curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

kube::Result<std::vector<ObjectInfo>> S3Client::list(const std::string& prefix) {
  std::vector<ObjectInfo> all;
  std::set<std::string> tokens;  // every token the server gave: one given twice would list forever
  std::string token;
  for (;;) {
    std::string query = (token.empty() ? "" : "continuation-token=" + base::percent_encode(token, false) + "&") +
                        "list-type=2&prefix=" + base::percent_encode(prefix, false);
    auto r = request("GET", "", query);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(s3_error("list " + prefix, *r));
    auto page = parse_list_objects(r->body);
    if (!page) return std::unexpected(kube::make_error(ErrorKind::kDecode, "list " + prefix + ": " + page.error().message));
    all.insert(all.end(), page->objects.begin(), page->objects.end());
    if (!page->truncated) return all;
    if (!tokens.insert(page->next_token).second) {
      return std::unexpected(kube::make_error(ErrorKind::kDecode, "list " + prefix + ": the server gave the continuation token \"" +
                                                                      page->next_token + "\" twice; the listing would never end"));
    }
    token = page->next_token;
  }
}

kube::Status S3Client::settle_region() {
  if (!config_.region.empty()) return {};
  config_.region = "us-east-1";
  auto r = request("GET", "", "location=");
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) {
    // Refused (no s3:GetBucketLocation, or asked of the wrong region): AWS still says where in a header.
    // Not every S3-compatible server knows the question: then us-east-1.
    if (!r->bucket_region.empty()) config_.region = r->bucket_region;
    return {};
  }
  auto region = parse_bucket_region(r->body);
  if (!region) return std::unexpected(region.error());
  config_.region = *region;
  return {};
}

kube::Status S3Client::probe() {
  auto probe = request("GET", "", "list-type=2&max-keys=1&prefix=" + base::percent_encode(config_.path, false));
  if (!probe) return std::unexpected(probe.error());
  if (probe->status != 200) return std::unexpected(s3_error("list bucket " + config_.bucket, *probe));
  return {};
}

kube::Result<std::string> S3Client::etag_of(const std::string& key) {
  auto r = request("HEAD", key, "");
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return std::string();
  if (r->status != 200) return std::unexpected(s3_error("head " + key, *r));
  return r->etag;
}

kube::Result<std::optional<std::string>> S3Client::get(const std::string& key) {
  auto r = request("GET", key, "");
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return std::optional<std::string>{};
  if (r->status != 200) return std::unexpected(s3_error("get " + key, *r));
  return std::optional<std::string>(std::move(r->body));
}

kube::Result<std::string> S3Client::put(const std::string& key, const std::string& content) {
  auto r = request("PUT", key, "", content);
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) return std::unexpected(s3_error("put " + key, *r));
  ++puts_;
  return r->etag;
}

kube::Status S3Client::remove(const std::string& key) {
  auto r = request("DELETE", key, "");
  if (!r) return std::unexpected(r.error());
  if (r->status != 204 && r->status != 200 && r->status != 404) return std::unexpected(s3_error("delete " + key, *r));
  return {};
}

kube::Status S3Client::check_write_permission(const std::string& key) {
  auto started = request("POST", key, "uploads=");
  if (!started) return std::unexpected(started.error());
  if (started->status != 200) return std::unexpected(s3_error("start a multipart upload of " + key, *started));
  auto id = parse_upload_id(started->body);
  if (!id) return std::unexpected(id.error());
  auto aborted = request("DELETE", key, "uploadId=" + base::percent_encode(*id, false));
  if (!aborted) return std::unexpected(aborted.error());
  if (aborted->status == 204 || aborted->status == 200 || aborted->status == 404) return {};
  const S3ErrorBody body = parse_s3_error(aborted->body);
  if (aborted->status == 405 || aborted->status == 501 || body.code == "NotImplemented" || body.code == "MethodNotAllowed") {
    return {};  // the server keeps the empty upload; starting it proved the permission
  }
  return std::unexpected(s3_error("abort the multipart upload of " + key, *aborted));
}

}  // namespace pave::statestore
