// S3Client: signed requests to one bucket of an S3 (or compatible) server, through libcurl's AWS
// Signature V4, over a pool of connections (one per request in flight). It knows S3's verbs and answers;
// what to write and in which order is BucketWriter's.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"
#include "statestore/s3_xml.h"

typedef void CURL;

namespace pave::statestore {

struct BucketConfig {
  std::string endpoint;          // host[:port], no scheme (BucketStateStore spec.endpoint)
  std::string bucket;
  std::string path;              // prefix inside the bucket
  bool insecure = false;         // http instead of https
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;            // "": the bucket's own, asked once when the writer opens
  std::string ca_bundle;         // PEM: CAs trusted for https besides the system's
  std::chrono::milliseconds request_timeout{60'000};  // a request not done by then fails with kTimeout
};

class S3Client {
 public:
  explicit S3Client(BucketConfig config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const BucketConfig& config() const { return config_; }

  // When no region was given, asks the bucket where it lives (GetBucketLocation, signed for us-east-1 as
  // AWS accepts from any region; a refusal still names the region in its x-amz-bucket-region header, as
  // AWS's SDKs read it) and signs everything after for that region; a server that answers neither way is
  // taken to be in us-east-1. Call before sharing the client between threads.
  kube::Status settle_region();

  // Every object under prefix (a full key prefix), page after page. A server that repeats a
  // continuation token is an error, not a loop.
  kube::Result<std::vector<ObjectInfo>> list(const std::string& prefix);
  // The first page of at most one object: proves the endpoint, the bucket and the credentials.
  kube::Status probe();
  // The ETag of key, or "" when there is no such object.
  kube::Result<std::string> etag_of(const std::string& key);
  // The content of key, or nothing when there is no such object.
  kube::Result<std::optional<std::string>> get(const std::string& key);
  // Writes content at key; returns the new ETag.
  kube::Result<std::string> put(const std::string& key, const std::string& content);
  // Deletes key (absent is fine).
  kube::Status remove(const std::string& key);
  // Kratix's write-permission check: starts a multipart upload of key, then aborts it, so nothing is
  // written. A server that cannot abort uploads (it answers NotImplemented or 405) has shown the
  // permission by starting one.
  kube::Status check_write_permission(const std::string& key);

  // Requests sent so far that wrote an object (for tests and benchmarks).
  int puts() const { return puts_; }
  // Requests sent again after a throttling, server or connection failure.
  int retries() const { return retries_; }
  // How far the server's clock is ahead of this host's, as learnt from a RequestTimeTooSkewed (0 until one).
  std::chrono::seconds clock_skew() const { return std::chrono::seconds(clock_skew_s_.load()); }

  // How a request is tried: a 429, 500, 502, 503 or 504 answer (S3's SlowDown is a 503) or a connection
  // that failed is tried again after backoff(attempt), up to kAttempts in all; what still fails is
  // returned, for the reconciler to retry later with its own, longer backoff. Not retried: a POST (a
  // multipart upload's start) and a request that timed out (kTimeout, after config().request_timeout).
  // A request refused as RequestTimeTooSkewed (the server's clock and this host's differ by more than
  // it allows, 15 minutes for S3) is signed again at once with the server's time (its ServerTime, else
  // its Date header), and so is every request after it, as AWS's SDKs correct clock skew.
  static constexpr int kAttempts = 4;
  static std::chrono::milliseconds backoff(int attempt);  // 100, 200, 400 ms, each plus up to half again

 private:
  struct Response {
    long status = 0;
    std::string body;
    std::string etag;
    std::string bucket_region;  // x-amz-bucket-region
    std::string date;           // Date
  };
  // Learns the server's clock from a RequestTimeTooSkewed answer; false when r is no such answer or
  // names no time.
  bool learn_clock_skew(const Response& r);
  // One signed request, tried as above. query must already be sorted by name and encoded, as SigV4 signs
  // it as given.
  kube::Result<Response> request(const std::string& method, const std::string& key, const std::string& query,
                                 const std::string& body = "");
  kube::Result<Response> request_once(const std::string& method, const std::string& key, const std::string& query,
                                      const std::string& body);
  kube::Error s3_error(const std::string& what, const Response& r) const;
  std::string base_url() const;
  CURL* checkout();
  void give_back(CURL* curl);

  BucketConfig config_;  // region settled once by settle_region, before any other thread uses it
  std::mutex pool_mu_;
  std::vector<CURL*> idle_;
  std::atomic<int> puts_ = 0;
  std::atomic<int> retries_ = 0;
  std::atomic<int64_t> clock_skew_s_ = 0;  // added to this host's time when signing
};

}  // namespace pave::statestore
