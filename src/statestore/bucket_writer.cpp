#include "statestore/bucket_writer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/digest.h"
#include "base/encoding.h"
#include "kube/guard.h"
#include "kube/log.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

// Where Kratix's permission check starts (and aborts) its multipart upload, under the store's path.
constexpr const char* kPermissionCheckKey = ".kratix-write-permission-check";

// A refresh() is a change that writes nothing, under a key of its own so that those waiting fold into one.
constexpr const char* kRefreshKey = "\x01refresh";

bool is_refresh(const Change& c) { return c.key == kRefreshKey; }

// How long a server whose request timed out has to answer a one-object listing before it is taken to be
// silent: a request may time out because it is large, not because the server is gone.
constexpr std::chrono::seconds kSilenceCheck{10};

}  // namespace

struct BucketWriter::Impl {
  explicit Impl(BucketConfig config) : s3(std::move(config)) {}
  S3Client s3;
  std::string version;      // written by the batch thread only
  const BucketConfig& config() const { return s3.config(); }

  // What this writer takes the bucket to hold under the store's path (key -> ETag): the listing made when
  // it opened, kept up to date by its own writes. A listing that differs from it shows someone else's
  // doing. Written by apply (several threads at once) and by the batch thread between batches.
  std::mutex known_mu;
  std::map<std::string, std::string> known;
  // Keys this writer sent a PUT or DELETE for without learning the outcome (the answer lost or refused):
  // whatever the next listing finds there may be its own doing, so it is taken without being drift.
  std::set<std::string> unsure;
  std::mutex listener_mu;
  OnDrift drift_listener;  // guarded by listener_mu

  // The full-key prefix of everything under the store's path: "" for the bucket's root, else "path/".
  std::string root_prefix() const {
    std::string root = store_path(config().path, "");
    return root.empty() ? root : root + "/";
  }
  void remember(const std::string& key, const std::string& etag) {
    std::lock_guard lock(known_mu);
    if (etag.empty()) known.erase(key);
    else known[key] = etag;
    unsure.erase(key);
  }
  void forget(const std::string& key) {
    std::lock_guard lock(known_mu);
    unsure.insert(key);
  }

  // Lists everything under the store's path and takes it as what the bucket holds; returns the keys (as
  // paths relative to the store's root) whose ETag differs from what this writer knew, present or not.
  kube::Result<std::vector<std::string>> relist() {
    const std::string root = root_prefix();
    auto listed = s3.list(root);
    if (!listed) return std::unexpected(listed.error());
    std::map<std::string, std::string> now;
    for (auto& o : *listed) now.emplace(std::move(o.key), std::move(o.etag));
    std::vector<std::string> drifted;
    std::lock_guard lock(known_mu);
    auto relative = [&](const std::string& key) { return key.substr(std::min(root.size(), key.size())); };
    for (const auto& [key, etag] : now) {
      if (unsure.contains(key)) continue;
      if (auto it = known.find(key); it == known.end() || it->second != etag) drifted.push_back(relative(key));
    }
    for (const auto& [key, etag] : known) {
      if (!now.contains(key) && !unsure.contains(key)) drifted.push_back(relative(key));
    }
    known = std::move(now);
    unsure.clear();
    return drifted;
  }

  // Reads the bucket again and tells the drift listener what someone else changed (outside known_mu: the
  // listener may submit writes).
  void refresh_and_report() {
    auto drifted = relist();
    if (!drifted) {
      kube::log::warn("cannot list the bucket state store to find files changed behind Pave's back",
                      {{"endpoint", config().endpoint}, {"bucket", config().bucket}, {"error", drifted.error().message}});
      return;
    }
    if (drifted->empty()) return;
    std::lock_guard lock(listener_mu);
    if (drift_listener) {
      kube::call_logged("telling of drift", config().endpoint + "/" + config().bucket, [&] { drift_listener(*drifted); });
    }
  }

  // Puts one change into the bucket; what it changed ("key=etag" lines), empty when nothing. Safe to call
  // from several threads for changes that touch different keys.
  kube::Result<std::string> apply(const Change& c) {
    std::map<std::string, std::string> existing;  // key -> etag, under the replaced directories
    for (const auto& dir : c.replace_directories) {
      std::string prefix = store_path(config().path, dir);
      if (!prefix.empty()) prefix += "/";
      auto listed = s3.list(prefix);
      if (!listed) return std::unexpected(listed.error());
      for (auto& o : *listed) existing[o.key] = o.etag;
    }
    std::string written;  // what changed, for the version chain
    std::set<std::string> keep;
    for (const auto& f : c.files) {
      const std::string key = store_path(config().path, f.path);
      keep.insert(key);
      std::string current;
      if (auto it = existing.find(key); it != existing.end()) {
        current = it->second;
      } else {
        auto e = s3.etag_of(key);
        if (!e) return std::unexpected(e.error());
        current = *e;
      }
      const std::string want = base::md5_hex(f.content);
      if (current == want) {  // the bucket already holds exactly this
        remember(key, current);
        continue;
      }
      auto etag = s3.put(key, f.content);
      if (!etag) {
        forget(key);
        return std::unexpected(etag.error());
      }
      remember(key, *etag);
      written += key + "=" + *etag + "\n";
    }
    std::vector<std::string> deletions;
    for (const auto& [key, etag] : existing) {
      if (!keep.contains(key)) deletions.push_back(key);
    }
    for (const auto& f : c.remove_files) {
      const std::string key = store_path(config().path, f);
      if (keep.contains(key)) continue;
      auto e = s3.etag_of(key);
      if (!e) return std::unexpected(e.error());
      if (e->empty()) remember(key, "");
      else deletions.push_back(key);
    }
    for (const auto& key : deletions) {
      if (auto removed = s3.remove(key); !removed) {
        forget(key);
        return std::unexpected(removed.error());
      }
      remember(key, "");
      written += key + "=deleted\n";
    }
    return written;
  }

  // Writes a batch, its changes side by side when no two touch the same keys, and chains the version in
  // the batch's order either way.
  // Whether the server answers a one-object listing within kSilenceCheck (or the request timeout, if
  // shorter); an answer refusing it counts as an answer.
  bool answers() const {
    BucketConfig quick = config();
    quick.request_timeout = std::min<std::chrono::milliseconds>(quick.request_timeout, kSilenceCheck);
    S3Client client(std::move(quick));
    auto listed = client.probe();
    return listed || (listed.error().kind != ErrorKind::kTransport && listed.error().kind != ErrorKind::kTimeout);
  }

  // The changes of one batch, written side by side, with what they learn of the server.
  struct Round {
    std::mutex mu;
    std::optional<kube::Error> unreachable;  // set once the server is known gone or silent
    std::optional<bool> answering;           // the silence check's result, once made
  };

  // Notes what a change's failure says of the server: gone when it could not be reached (after the
  // client's retries); silent when a request timed out and a quick listing times out too. Called by the
  // change's own worker; only one silence check is made a batch.
  void learn(Round& round, const kube::Error& e) {
    if (e.kind != ErrorKind::kTransport && e.kind != ErrorKind::kTimeout) return;
    std::lock_guard lock(round.mu);
    if (round.unreachable) return;
    if (e.kind == ErrorKind::kTimeout && !round.answering) round.answering = answers();
    if (e.kind == ErrorKind::kTransport || !*round.answering) {
      const std::string why = e.kind == ErrorKind::kTransport ? "could not be reached" : "did not answer";
      round.unreachable = kube::make_error(
          e.kind, "not sent: the bucket's server " + why + " for another change of the same batch (" + e.message + ")");
    }
  }

  // Once a change fails because the server could not be reached or does not answer, the changes of the
  // batch not yet begun fail at once: an outage then costs a batch one round of retries (or of request
  // timeouts) rather than one per change, and the changes waiting behind it are not held. Answers from
  // the server (a 500 for one key, say), and a request that timed out while the server still answers (a
  // large file on a slow link), fail only their own change.
  std::vector<kube::Result<WriteResult>> write(const std::vector<const Change*>& changes) {
    std::vector<kube::Result<std::string>> applied(changes.size());
    const size_t threads = independent(changes) ? std::min(kConcurrentChanges, changes.size()) : 1;
    std::atomic<size_t> next = 0;
    Round round;
    auto work = [&] {
      for (size_t i; (i = next++) < changes.size();) {
        {
          std::lock_guard lock(round.mu);
          if (round.unreachable) {
            applied[i] = std::unexpected(*round.unreachable);
            continue;
          }
        }
        applied[i] = kube::guarded("writing " + changes[i]->placement, [&] { return apply(*changes[i]); });
        if (!applied[i]) learn(round, applied[i].error());
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
        version = base::sha256_hex(version + *a);
        results.push_back(WriteResult{.version = version, .changed = true});
      }
    }
    const bool refresh = std::any_of(changes.begin(), changes.end(), [](const Change* c) { return is_refresh(*c); });
    if (refresh && !round.unreachable) refresh_and_report();
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
  auto impl = std::make_unique<Impl>(std::move(config));
  // A listing proves the endpoint, the bucket and the credentials; a multipart upload started and
  // aborted proves they may write, without writing anything (Kratix's check).
  if (auto settled = impl->s3.settle_region(); !settled) return std::unexpected(settled.error());
  if (auto probed = impl->s3.probe(); !probed) return std::unexpected(probed.error());
  if (auto allowed = impl->s3.check_write_permission(store_path(impl->config().path, kPermissionCheckKey)); !allowed) {
    return std::unexpected(allowed.error());
  }
  // What the bucket holds now is this writer's starting point: drift is what changes after it.
  if (auto listed = impl->relist(); !listed) return std::unexpected(listed.error());
  return std::unique_ptr<BucketWriter>(new BucketWriter(std::move(impl)));
}

void BucketWriter::submit(Change change, OnWritten on_written) { queue_.submit(std::move(change), std::move(on_written)); }

void BucketWriter::close() { queue_.close(); }

void BucketWriter::on_drift(OnDrift listener) {
  std::lock_guard lock(impl_->listener_mu);
  impl_->drift_listener = std::move(listener);
}

void BucketWriter::refresh() {
  queue_.submit(Change{.placement = "refresh", .key = kRefreshKey}, [](kube::Result<WriteResult>) {});
}

kube::Result<std::optional<std::string>> BucketWriter::read_file(const std::string& path) {
  if (!contained_path(path)) return std::unexpected(kube::make_error(ErrorKind::kInvalid, "path leaves the state store"));
  return impl_->s3.get(store_path(impl_->config().path, path));
}

kube::Result<std::vector<ObjectInfo>> BucketWriter::list(const std::string& prefix) {
  return impl_->s3.list(store_path(impl_->config().path, prefix));
}

int BucketWriter::puts() const { return impl_->s3.puts(); }

}  // namespace pave::statestore
