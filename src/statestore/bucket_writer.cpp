#include "statestore/bucket_writer.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/encoding.h"
#include "kube/guard.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

std::string hex_digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

std::string sha256(std::string_view d) { return hex_digest(EVP_sha256(), d); }
std::string md5(std::string_view d) { return hex_digest(EVP_md5(), d); }


std::string xml_unescape(std::string s) {
  static const std::pair<const char*, const char*> entities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#34;", "\""}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, std::strlen(from), to);
  }
  return s;
}

// The text of the first <tag>...</tag> in xml at or after from.
std::string element(const std::string& xml, const std::string& tag, size_t from = 0, size_t* end = nullptr) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t a = xml.find(open, from);
  if (a == std::string::npos) return "";
  size_t b = xml.find(close, a);
  if (b == std::string::npos) return "";
  if (end) *end = b + close.size();
  return xml_unescape(xml.substr(a + open.size(), b - a - open.size()));
}

std::string strip_quotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}


struct Response {
  long status = 0;
  std::string body;
  std::string etag;
};

}  // namespace

std::vector<ObjectInfo> parse_list_objects(const std::string& xml, std::string* next_token) {
  std::vector<ObjectInfo> out;
  size_t pos = 0;
  for (;;) {
    size_t end = 0;
    std::string contents = element(xml, "Contents", pos, &end);
    if (end == 0) break;
    out.push_back({element(contents, "Key"), strip_quotes(element(contents, "ETag"))});
    pos = end;
  }
  if (next_token) *next_token = element(xml, "IsTruncated") == "true" ? element(xml, "NextContinuationToken") : "";
  return out;
}

struct BucketWriter::Impl {
  BucketConfig config;
  std::mutex pool_mu;
  std::vector<CURL*> idle;  // one handle, with its connection, per request in flight at most
  std::atomic<int> puts = 0;
  std::string version;      // written by the batch thread only

  ~Impl() {
    for (CURL* c : idle) curl_easy_cleanup(c);
  }
  CURL* checkout() {
    std::lock_guard lock(pool_mu);
    if (idle.empty()) return curl_easy_init();
    CURL* c = idle.back();
    idle.pop_back();
    return c;
  }
  void give_back(CURL* c) {
    std::lock_guard lock(pool_mu);
    idle.push_back(c);
  }

  std::string base_url() const { return (config.insecure ? "http://" : "https://") + config.endpoint + "/" + config.bucket; }

  kube::Error s3_error(const std::string& what, const Response& r) const {
    const std::string code = element(r.body, "Code");
    const std::string message = element(r.body, "Message");
    ErrorKind kind = ErrorKind::kOther;
    if (r.status == 403) kind = ErrorKind::kForbidden;
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId") kind = ErrorKind::kUnauthorized;
    if (r.status == 404) kind = ErrorKind::kNotFound;
    if (r.status >= 500) kind = ErrorKind::kTransient;
    kube::Error e = kube::make_error(kind, what + ": " + std::to_string(r.status) + " " + code + (message.empty() ? "" : ": " + message));
    e.http_status = static_cast<int>(r.status);
    e.reason = code;
    return e;
  }

  // One signed request. query must already be sorted by name and encoded, as SigV4 signs it as given.
  kube::Result<Response> request(const std::string& method, const std::string& key, const std::string& query,
                                 const std::string& body = "") {
    CURL* curl = checkout();
    struct GiveBack {
      Impl* impl;
      CURL* curl;
      ~GiveBack() { impl->give_back(curl); }
    } give_back_on_return{this, curl};
    curl_easy_reset(curl);
    Response r;
    const std::string url = base_url() + (key.empty() ? "" : "/" + base::percent_encode(key, true)) + (query.empty() ? "" : "?" + query);
    const std::string sigv4 = "aws:amz:" + config.region + ":s3";
    const std::string userpwd = config.access_key_id + ":" + config.secret_access_key;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60'000L);
    if (!config.ca_bundle.empty()) {
      curl_blob blob{.data = config.ca_bundle.data(), .len = config.ca_bundle.size(), .flags = CURL_BLOB_NOCOPY};
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    curl_slist* headers = nullptr;
    // curl signs this header but does not add it; S3 requires it.
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + sha256(body)).c_str());
    if (method == "PUT") {
      headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
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
      if (line.size() > 5 && (line.starts_with("ETag:") || line.starts_with("etag:"))) {
        std::string v(line.substr(5));
        while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        static_cast<Response*>(u)->etag = strip_quotes(v);
      }
      return s * n;
    });
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      return std::unexpected(kube::make_error(rc == CURLE_PEER_FAILED_VERIFICATION ? ErrorKind::kTls : ErrorKind::kTransport,
                                              method + " " + base_url() + ": " + curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

  kube::Result<std::vector<ObjectInfo>> list(const std::string& prefix) {
    std::vector<ObjectInfo> all;
    std::string token;
    do {
      std::string query = (token.empty() ? "" : "continuation-token=" + base::percent_encode(token, false) + "&") + "list-type=2&prefix=" +
                          base::percent_encode(prefix, false);
      auto r = request("GET", "", query);
      if (!r) return std::unexpected(r.error());
      if (r->status != 200) return std::unexpected(s3_error("list " + prefix, *r));
      auto page = parse_list_objects(r->body, &token);
      all.insert(all.end(), page.begin(), page.end());
    } while (!token.empty());
    return all;
  }

  // The ETag of key, or "" when there is no such object.
  kube::Result<std::string> etag_of(const std::string& key) {
    auto r = request("HEAD", key, "");
    if (!r) return std::unexpected(r.error());
    if (r->status == 404) return std::string();
    if (r->status != 200) return std::unexpected(s3_error("head " + key, *r));
    return r->etag;
  }

  // Puts one change into the bucket; what it changed ("key=etag" lines), empty when nothing. Safe to call
  // from several threads for changes that touch different keys.
  kube::Result<std::string> apply(const Change& c) {
    std::map<std::string, std::string> existing;  // key -> etag, under the replaced directories
    for (const auto& dir : c.replace_directories) {
      std::string prefix = store_path(config.path, dir);
      if (!prefix.empty()) prefix += "/";
      auto listed = list(prefix);
      if (!listed) return std::unexpected(listed.error());
      for (auto& o : *listed) existing[o.key] = o.etag;
    }
    std::string written;  // what changed, for the version chain
    std::set<std::string> keep;
    for (const auto& f : c.files) {
      const std::string key = store_path(config.path, f.path);
      keep.insert(key);
      std::string current;
      if (auto it = existing.find(key); it != existing.end()) {
        current = it->second;
      } else {
        auto e = etag_of(key);
        if (!e) return std::unexpected(e.error());
        current = *e;
      }
      const std::string want = md5(f.content);
      if (current == want) continue;  // the bucket already holds exactly this
      auto r = request("PUT", key, "", f.content);
      if (!r) return std::unexpected(r.error());
      if (r->status != 200) return std::unexpected(s3_error("put " + key, *r));
      ++puts;
      written += key + "=" + r->etag + "\n";
    }
    std::vector<std::string> deletions;
    for (const auto& [key, etag] : existing) {
      if (!keep.contains(key)) deletions.push_back(key);
    }
    for (const auto& f : c.remove_files) {
      const std::string key = store_path(config.path, f);
      if (keep.contains(key)) continue;
      auto e = etag_of(key);
      if (!e) return std::unexpected(e.error());
      if (!e->empty()) deletions.push_back(key);
    }
    for (const auto& key : deletions) {
      auto r = request("DELETE", key, "");
      if (!r) return std::unexpected(r.error());
      if (r->status != 204 && r->status != 200 && r->status != 404) return std::unexpected(s3_error("delete " + key, *r));
      written += key + "=deleted\n";
    }
    return written;
  }

  // Writes a batch, its changes side by side when no two touch the same keys, and chains the version in
  // the batch's order either way.
  std::vector<kube::Result<WriteResult>> write(const std::vector<const Change*>& changes) {
    std::vector<kube::Result<std::string>> applied(changes.size());
    const size_t threads = independent(changes) ? std::min(kConcurrentChanges, changes.size()) : 1;
    std::atomic<size_t> next = 0;
    auto work = [&] {
      for (size_t i; (i = next++) < changes.size();) {
        applied[i] = kube::guarded("writing " + changes[i]->placement, [&] { return apply(*changes[i]); });
      }
    };
    {
      std::vector<std::jthread> helpers;
      for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
      work();
    }
    std::vector<kube::Result<WriteResult>> results;
    for (auto& a : applied) {
      if (!a) {
        results.push_back(std::unexpected(a.error()));
      } else if (a->empty()) {
        results.push_back(WriteResult{.version = version, .changed = false});
      } else {
        version = sha256(version + *a);
        results.push_back(WriteResult{.version = version, .changed = true});
      }
    }
    return results;
  }

  static constexpr size_t kConcurrentChanges = 8;
};

bool independent(const std::vector<const Change*>& changes) {
  // Every key and replaced directory ("dir/", "" for the whole store) with its change; sorted, a directory
  // comes just before what is under it, so one pass with a stack of open directories finds any overlap.
  struct Entry {
    std::string path;
    size_t change;
    bool directory;
    auto operator<=>(const Entry&) const = default;
  };
  auto normal = [](std::string p) {
    while (p.starts_with("/") || p.starts_with("./")) p.erase(0, p.starts_with("/") ? 1 : 2);
    return p == "." ? std::string() : p;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < changes.size(); ++i) {
    for (const auto& d : changes[i]->replace_directories) {
      std::string dir = normal(d);
      while (dir.ends_with("/")) dir.pop_back();
      entries.push_back({dir.empty() ? "" : dir + "/", i, true});
    }
    for (const auto& f : changes[i]->files) entries.push_back({normal(f.path), i, false});
    for (const auto& f : changes[i]->remove_files) entries.push_back({normal(f), i, false});
  }
  std::sort(entries.begin(), entries.end());
  std::vector<const Entry*> open;
  for (size_t k = 0; k < entries.size(); ++k) {
    const Entry& e = entries[k];
    if (k > 0 && entries[k - 1].path == e.path && entries[k - 1].change != e.change) return false;
    while (!open.empty() && !e.path.starts_with(open.back()->path)) open.pop_back();
    for (const Entry* dir : open) {
      if (dir->change != e.change) return false;
    }
    if (e.directory) open.push_back(&e);
  }
  return true;
}

BucketWriter::BucketWriter(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)),
      // Each change has its own outcome; changes that touch different keys are written side by side.
      queue_([this](const std::vector<const Change*>& changes) { return impl_->write(changes); }) {}

BucketWriter::~BucketWriter() = default;

kube::Result<std::unique_ptr<BucketWriter>> BucketWriter::open(BucketConfig config) {
  if (config.endpoint.empty() || config.bucket.empty()) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "a bucket state store needs an endpoint and a bucket name"));
  }
  if (config.endpoint.find("://") != std::string::npos) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "endpoint must be host[:port] without a scheme"));
  }
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  // A listing proves the endpoint, the bucket and the credentials before anything is written.
  auto probe = impl->request("GET", "", "list-type=2&max-keys=1&prefix=" + base::percent_encode(store_path(impl->config.path, ""), false));
  if (!probe) return std::unexpected(probe.error());
  if (probe->status != 200) return std::unexpected(impl->s3_error("list bucket " + impl->config.bucket, *probe));
  return std::unique_ptr<BucketWriter>(new BucketWriter(std::move(impl)));
}

void BucketWriter::submit(Change change, OnWritten on_written) { queue_.submit(std::move(change), std::move(on_written)); }

void BucketWriter::close() { queue_.close(); }

kube::Result<std::optional<std::string>> BucketWriter::read_file(const std::string& path) {
  if (!contained_path(path)) return std::unexpected(kube::make_error(ErrorKind::kInvalid, "path leaves the state store"));
  const std::string key = store_path(impl_->config.path, path);
  auto r = impl_->request("GET", key, "");
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return std::optional<std::string>{};
  if (r->status != 200) return std::unexpected(impl_->s3_error("get " + key, *r));
  return std::optional<std::string>(r->body);
}

kube::Result<std::vector<ObjectInfo>> BucketWriter::list(const std::string& prefix) {
  return impl_->list(store_path(impl_->config.path, prefix));
}

int BucketWriter::puts() const { return impl_->puts; }

}  // namespace pave::statestore
