#include "statestore/git_writer.h"

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <filesystem>
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "base/redact.h"
#include "base/encoding.h"
#include "kube/guard.h"
#include "kube/log.h"
#include "statestore/git_cache.h"
#include "statestore/git_cli_fetch.h"
#include "statestore/git_errors.h"
#include "statestore/git_handles.h"
#include "statestore/git_socket.h"
#include "statestore/git_trees.h"
#include "statestore/git_trust.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

std::once_flag git_init_once;
// A first fetch may bring a large history; its child gives up when the server stops sending (60 s).
constexpr std::chrono::seconds kColdFetchTimeout = std::chrono::hours(1);

// libgit2 1.5's ssh transport loses what it loads of ~/.ssh/known_hosts on every connection (libgit2#6598,
// fixed in 1.7; about 50 bytes each). In a LeakSanitizer build (scripts/sanitize.sh) what an ssh operation
// allocates on this thread is therefore not reported; http and https operations stay checked.
class SshLeaksIgnored {
 public:
  explicit SshLeaksIgnored(const std::string& url) : ssh_(is_ssh_url(url)) {
#if defined(__SANITIZE_ADDRESS__)
    if (ssh_) __lsan_disable();
#endif
  }
  ~SshLeaksIgnored() {
#if defined(__SANITIZE_ADDRESS__)
    if (ssh_) __lsan_enable();
#endif
  }
  SshLeaksIgnored(const SshLeaksIgnored&) = delete;
  SshLeaksIgnored& operator=(const SshLeaksIgnored&) = delete;

 private:
  bool ssh_;
};

}  // namespace

struct GitWriter::Impl {
  GitConfig config;
  base::FileLock cache_claim;  // this writer's claim on its cache directory (git_cache.h)
  git_repository* repo = nullptr;
  // Looked up once: each lookup rereads the config, and libgit2's regex use there costs memory per call.
  git_remote* remote = nullptr;
  // New objects go to memory first and reach disk as one pack per pushed batch: writing thousands of
  // loose object files per batch would cost more than everything else together.
  git_odb_backend* mempack = nullptr;  // owned by the repository's object database
  int unpersisted_batches = 0;         // pushed batches whose objects are still only in memory
  static constexpr int kBatchesPerPack = 64;
  git_oid tip{};           // what the remote branch pointed at when last seen (zero: empty repository)
  bool has_tip = false;
  int commits = 0;
  int fetches = 0;
  bool fetched_by_git_command = false;
  std::chrono::steady_clock::time_point last_fetch{};
  int auth_attempts = 0;
  std::optional<kube::Error> auth_error;  // why the credentials callback had none to give (a GitHub App token)
  // Paths someone else changed, found by fetches since the drift listener was last told (under repo_mu).
  std::set<std::string> drift;
  std::mutex listener_mu;
  OnDrift drift_listener;  // guarded by listener_mu

  std::mutex repo_mu;      // libgit2 objects are used by one thread at a time

  ~Impl() { release(); }

  // Packs what is only in memory and closes the repository: the cache directory is then whole on disk
  // and free for the store's next writer.
  void release() {
    if (repo && mempack && unpersisted_batches > 0) persist_objects();
    if (remote) git_remote_free(remote);
    if (repo) git_repository_free(repo);
    remote = nullptr;
    repo = nullptr;
    mempack = nullptr;
    cache_claim.unlock();
  }

  static int credentials(git_credential** out, const char* url, const char* username_from_url, unsigned int allowed,
                         void* payload) {
    auto* self = static_cast<Impl*>(payload);
    // libgit2 asks again after a refusal; three tries are enough to know the credentials are wrong.
    if (++self->auth_attempts > 3) return GIT_EAUTH;
    const GitConfig& c = self->config;
    if ((allowed & GIT_CREDENTIAL_SSH_MEMORY) && !c.ssh_private_key.empty()) {
      const char* user = username_from_url ? username_from_url : "git";
      return git_credential_ssh_key_memory_new(out, user, c.ssh_public_key.empty() ? nullptr : c.ssh_public_key.c_str(),
                                               c.ssh_private_key.c_str(), nullptr);
    }
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && c.github_app) {
      if (self->auth_attempts > 1) c.github_app->invalidate();  // asked again: the token held was refused
      auto token = c.github_app->token();
      if (!token) {
        self->auth_error = token.error();
        return GIT_EUSER;
      }
      return git_credential_userpass_plaintext_new(out, "x-access-token", token->c_str());
    }
    if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
      return git_credential_userpass_plaintext_new(out, c.username.c_str(), c.password.c_str());
    }
    (void)url;
    return GIT_PASSTHROUGH;
  }

  // libgit2 checks certificates against the system's CAs; a store's own CA bundle (ca_bundle) is checked
  // here, per store, since libgit2's CA setting is global to the process.
  static int certificate_check(git_cert* cert, int valid, const char* host, void* payload) {
    auto* self = static_cast<Impl*>(payload);
    if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
      // An ssh server is trusted only if its key is in the store's knownHosts, never on first sight.
      auto* key = reinterpret_cast<git_cert_hostkey*>(cert);
      if (!(key->type & GIT_CERT_SSH_RAW)) return GIT_ECERTIFICATE;
      return known_host(self->config.known_hosts, host ? host : "", ssh_port(self->config.url),
                        std::string_view(key->hostkey, key->hostkey_len))
                 ? 0 : GIT_ECERTIFICATE;
    }
    if (valid || self->config.insecure_skip_tls_verify) return 0;
    if (self->config.ca_bundle.empty() || cert->cert_type != GIT_CERT_X509) return GIT_ECERTIFICATE;
    auto* x509 = reinterpret_cast<git_cert_x509*>(cert);
    return trusted_by_ca(self->config.ca_bundle, static_cast<const unsigned char*>(x509->data), x509->len, host)
               ? 0 : GIT_ECERTIFICATE;
  }

  // The callbacks of one network operation (a connect, fetch or push); it starts with no refusal counted.
  git_remote_callbacks callbacks() {
    auth_attempts = 0;
    auth_error.reset();
    git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
    cb.credentials = credentials;
    cb.certificate_check = certificate_check;
    cb.payload = this;
    return cb;
  }

  // An error from a network operation; refused credentials are named as such (libgit2's own message is
  // often a leftover from an earlier lookup once the credential callback gives up).
  kube::Error remote_error(const std::string& what, int rc) const {
    if (auth_error) {
      kube::Error e = *auth_error;
      e.message = what + ": " + e.message;
      return e;
    }
    if (rc == GIT_EAUTH || auth_attempts > 3) {
      return kube::make_error(ErrorKind::kUnauthorized, what + ": authentication failed: the remote refused the credentials");
    }
    if (rc == GIT_ECERTIFICATE) {
      return kube::make_error(ErrorKind::kTls, what + ": the server's certificate or host key is not trusted (" +
                                                   git_error_text(rc) + ")");
    }
    return git_error(what, rc);
  }

  // Writes the objects made since the last call into one pack file.
  kube::Status persist_objects() {
    git_buf pack = GIT_BUF_INIT;
    kube::Status result;
    if (int rc = git_mempack_dump(&pack, repo, mempack); rc < 0) {
      result = std::unexpected(git_error("pack objects", rc));
    } else if (pack.size > 0) {
      git_odb* odb = nullptr;
      git_odb_writepack* writepack = nullptr;
      git_indexer_progress stats{};
      git_repository_odb(&odb, repo);
      int rc2 = git_odb_write_pack(&writepack, odb, nullptr, nullptr);
      if (rc2 == 0) rc2 = writepack->append(writepack, pack.ptr, pack.size, &stats);
      if (rc2 == 0) rc2 = writepack->commit(writepack, &stats);
      if (writepack) writepack->free(writepack);
      git_odb_free(odb);
      if (rc2 < 0) result = std::unexpected(git_error("write pack", rc2));
    }
    git_buf_dispose(&pack);
    git_mempack_reset(mempack);
    unpersisted_batches = 0;
    return result;
  }

  std::string remote_ref() const { return "refs/remotes/origin/" + config.branch; }
  std::string branch_ref() const { return "refs/heads/" + config.branch; }

  // Whether the remote answers and has the branch (an ls-remote over libgit2's timed connections).
  bool remote_has_branch() {
    GitNetworkOperation operation;
    SshLeaksIgnored ssh_leaks(config.url);
    git_remote_callbacks cb = callbacks();
    if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, nullptr, nullptr) < 0) return false;
    const git_remote_head** heads = nullptr;
    size_t count = 0;
    bool found = false;
    if (git_remote_ls(&heads, &count, remote) == 0) {
      for (size_t i = 0; i < count && !found; ++i) found = branch_ref() == heads[i]->name;
    }
    git_remote_disconnect(remote);
    return found;
  }

  // Fetches the branch and records its tip.
  kube::Status fetch() {
    GitNetworkOperation operation;
    SshLeaksIgnored ssh_leaks(config.url);
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.callbacks = callbacks();
    opts.update_fetchhead = 0;  // nothing reads FETCH_HEAD: one file fewer written, and locked, per fetch
    const std::string spec = "+" + branch_ref() + ":" + remote_ref();
    char* specs[] = {const_cast<char*>(spec.c_str())};
    git_strarray refspecs = {specs, 1};
    if (int rc = git_remote_fetch(remote, &refspecs, &opts, nullptr); rc < 0) {
      return std::unexpected(remote_error("fetch " + base::redact_credentials(config.url), rc));
    }
    ++fetches;
    last_fetch = std::chrono::steady_clock::now();
    const std::optional<git_oid> before = has_tip ? std::optional(tip) : std::nullopt;
    Reference ref;
    if (git_reference_lookup(ref.out(), repo, remote_ref().c_str()) == 0) {
      tip = *git_reference_target(ref.get());
      has_tip = true;
    } else {
      has_tip = false;  // the branch does not exist yet: the first commit creates it
    }
    note_drift(before);
    return {};
  }

  // Records what differs between the tip this writer knew (before) and the remote's now: someone else's
  // doing, since this writer's own pushes move `tip` as they land. The first fetch knows no tip.
  void note_drift(const std::optional<git_oid>& before) {
    if (!before || (has_tip && git_oid_equal(&*before, &tip))) return;
    // The store's path as writes use it ("/clusters/" is "clusters").
    auto paths = paths_between(repo, &*before, has_tip ? &tip : nullptr, store_path(config.path, ""));
    if (!paths) {
      kube::log::warn("cannot tell what changed on the state store's remote",
                      {{"url", base::redact_credentials(config.url)}, {"error", paths.error().message}});
      return;
    }
    drift.insert(paths->begin(), paths->end());
  }

  // Hands the drift found so far to the listener (outside repo_mu: the listener may read the store).
  void report_drift() {
    std::vector<std::string> paths;
    {
      std::lock_guard lock(repo_mu);
      paths.assign(drift.begin(), drift.end());
      drift.clear();
    }
    if (paths.empty()) return;
    std::lock_guard lock(listener_mu);
    // A listener's failure must not turn the batch's written result into a failure.
    if (drift_listener) kube::call_logged("telling of drift", base::redact_credentials(config.url), [&] { drift_listener(paths); });
  }

  // Pushes commit to the branch; false (without error) when the remote refused a non-fast-forward.
  kube::Result<bool> push(const git_oid& commit) {
    GitNetworkOperation operation;
    SshLeaksIgnored ssh_leaks(config.url);
    // Point a local ref at the commit, then push it; never forced.
    Reference local;
    if (int rc = git_reference_create(local.out(), repo, branch_ref().c_str(), &commit, 1, "pave write"); rc < 0) {
      return std::unexpected(git_error("update ref", rc));
    }
    git_push_options opts = GIT_PUSH_OPTIONS_INIT;
    opts.callbacks = callbacks();
    opts.callbacks.push_update_reference = [](const char*, const char* status, void* data) -> int {
      if (status) static_cast<Impl*>(data)->rejection_ = status;
      return 0;
    };
    rejection_.clear();
    const std::string spec = branch_ref() + ":" + branch_ref();
    char* specs[] = {const_cast<char*>(spec.c_str())};
    git_strarray refspecs = {specs, 1};
    int rc = git_remote_push(remote, &refspecs, &opts);
    if (rc == GIT_ENONFASTFORWARD || (rc == 0 && !rejection_.empty())) return false;
    if (rc < 0) {
      const std::string text = git_error_text(rc);
      if (text.find("non-fast-forward") != std::string::npos || text.find("fetch first") != std::string::npos ||
          text.find("rejected") != std::string::npos) {
        return false;
      }
      return std::unexpected(remote_error("push " + base::redact_credentials(config.url), rc));
    }
    // The remote has it: remember it as the remote's tip.
    Reference tracking;
    git_reference_create(tracking.out(), repo, remote_ref().c_str(), &commit, 1, "pave push");
    tip = commit;
    has_tip = true;
    return true;
  }
  std::string rejection_;

  std::string message(const std::vector<const Change*>& changes) {
    const bool only_deletes = std::all_of(changes.begin(), changes.end(), [](const Change* c) { return c->files.empty(); });
    std::string m = std::string(only_deletes ? "Delete from: " : "Update from: ") + changes.front()->placement;
    if (changes.size() > 1) {
      m += " and " + std::to_string(changes.size() - 1) + " more\n\n";
      for (const Change* c : changes) m += c->placement + "\n";
    }
    return m;
  }

  // Writes a batch: commit on the remote's tip, push, and on rejection fetch and replay. Returns the
  // version and whether anything changed.
  kube::Result<WriteResult> write(const std::vector<const Change*>& batch) {
    std::lock_guard lock(repo_mu);
    // A refresh() is an empty change: it asks only for a fetch.
    std::vector<const Change*> changes;
    std::copy_if(batch.begin(), batch.end(), std::back_inserter(changes), [](const Change* c) {
      return !c->files.empty() || !c->replace_directories.empty() || !c->remove_files.empty();
    });
    if (changes.empty()) {
      if (auto f = fetch(); !f) return std::unexpected(f.error());
      return WriteResult{.version = has_tip ? git_oid_tostr_s(&tip) : "", .changed = false};
    }
    if (std::chrono::steady_clock::now() - last_fetch >= config.minimum_fetch_interval) {
      if (auto f = fetch(); !f) return std::unexpected(f.error());
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      Commit parent;
      Tree base;
      if (has_tip) {
        if (int rc = git_commit_lookup(parent.out(), repo, &tip); rc < 0) return std::unexpected(git_error("tip", rc));
        if (int rc = git_commit_tree(base.out(), parent.get()); rc < 0) return std::unexpected(git_error("tip tree", rc));
      }
      auto tree_id = tree_with_changes(repo, base.get(), config.path, changes);
      if (!tree_id) return std::unexpected(tree_id.error());
      if (base.get() && git_oid_equal(&*tree_id, git_tree_id(base.get()))) {
        // The blobs just made are already in the store; nothing new to keep.
        // Nothing to change on the tip we know; make sure it is still the remote's (someone may have
        // changed or deleted these files) before saying the remote has them.
        const git_oid known = tip;
        if (auto f = fetch(); !f) return std::unexpected(f.error());
        if (git_oid_equal(&known, &tip)) return WriteResult{.version = git_oid_tostr_s(&tip), .changed = false};
        continue;  // the remote moved: apply the batch to its new tip
      }
      Tree tree;
      git_tree_lookup(tree.out(), repo, &*tree_id);
      Signature sig;
      git_signature_now(sig.out(), config.author_name.c_str(), config.author_email.c_str());
      git_oid commit{};
      const git_commit* parents[] = {parent.get()};
      if (int rc = git_commit_create(&commit, repo, nullptr, sig.get(), sig.get(), nullptr, message(changes).c_str(),
                                     tree.get(), has_tip ? 1 : 0, parents);
          rc < 0) {
        return std::unexpected(git_error("commit", rc));
      }
      auto pushed = push(commit);
      if (!pushed) return std::unexpected(pushed.error());
      if (*pushed) {
        ++commits;
        // The remote has the objects; keeping them in memory a while longer turns many small packs into
        // one (a crash loses only this cache, which the next start fetches again).
        if (++unpersisted_batches >= kBatchesPerPack) {
          if (auto s = persist_objects(); !s) return std::unexpected(s.error());
        }
        return WriteResult{.version = git_oid_tostr_s(&commit), .changed = true};
      }
      // The rejected commit stays in memory unreferenced until the next pack; it is rebuilt on the new tip.
      // Someone else moved the branch: take their tip and replay the batch on it.
      if (auto f = fetch(); !f) return std::unexpected(f.error());
    }
    return std::unexpected(kube::make_error(ErrorKind::kConflict, "push to " + base::redact_credentials(config.url) + " kept being rejected"));
  }
};

GitWriter::GitWriter(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)),
      // One commit for the whole batch: every change shares its outcome.
      queue_([this](const std::vector<const Change*>& changes) {
        auto results = std::vector<kube::Result<WriteResult>>(changes.size(), impl_->write(changes));
        impl_->report_drift();
        return results;
      }) {}

GitWriter::~GitWriter() = default;

kube::Result<std::unique_ptr<GitWriter>> GitWriter::open(GitConfig config, const std::string& cache_dir) {
  std::call_once(git_init_once, [] {
    git_libgit2_init();
    // libgit2 caches parsed objects up to 256 MiB by default; a writer rereads little (the tip's trees),
    // so a small cache keeps the process small.
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(8 << 20));
    install_git_socket_timeouts();
  });
  const std::string dir = cache_dir + "/" + std::to_string(std::hash<std::string>{}(config.url + "#" + config.branch));
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  auto claim = claim_git_cache(dir);
  if (!claim) return std::unexpected(claim.error());

  // Opens the cache at dir (or starts it again when it is missing, or when keep is false) and fetches.
  auto open_cache = [&](bool keep, bool& warm) -> kube::Result<std::unique_ptr<Impl>> {
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    if (keep && git_repository_open_bare(&impl->repo, dir.c_str()) == 0) {
      // A crash may have lost objects that were only in memory: then start the cache again.
      git_oid tip;
      git_commit* commit = nullptr;
      const std::string ref = "refs/remotes/origin/" + impl->config.branch;
      if (git_reference_name_to_id(&tip, impl->repo, ref.c_str()) == 0 && git_commit_lookup(&commit, impl->repo, &tip) != 0) {
        git_repository_free(impl->repo);
        impl->repo = nullptr;
      }
      git_commit_free(commit);
      // The local branch only names what the next push sends, and is written before the push: a crash
      // may leave it naming a commit that was only in memory, which a fetch would offer the server.
      if (impl->repo) git_reference_remove(impl->repo, impl->branch_ref().c_str());
    }
    warm = impl->repo != nullptr;
    if (!warm) {
      std::filesystem::remove_all(dir, ec);
      if (int rc = git_repository_init(&impl->repo, dir.c_str(), /*bare=*/1); rc < 0) {
        return std::unexpected(git_error("init " + dir, rc));
      }
    }
    git_odb* odb = nullptr;
    if (int rc = git_repository_odb(&odb, impl->repo); rc < 0) return std::unexpected(git_error("object database", rc));
    git_mempack_new(&impl->mempack);
    const int added = git_odb_add_backend(odb, impl->mempack, 1000);
    git_odb_free(odb);
    if (added < 0) return std::unexpected(git_error("object database", added));
    // Pushes send only new, small manifests: searching for deltas between them costs more CPU than the bytes
    // it saves on loopback or a LAN, so every object is sent whole.
    git_config* cfg = nullptr;
    if (git_repository_config(&cfg, impl->repo) == 0) {
      git_config_set_int64(cfg, "core.bigFileThreshold", 1);
      git_config_free(cfg);
    }
    // An in-memory remote: a named one lives in the repository's config, and every lookup of it rereads
    // that config through pcre2, whose match frames libgit2 1.5 never frees (heaptrack: ~10 MB per open).
    // Fetch and push name their refspecs, so nothing needs the config. Nor are url.*.insteadOf rules read:
    // their lookup is the same leaking regex (LeakSanitizer, scripts/sanitize.sh), and the URL a store
    // names is the one Pave writes to, whatever a user's ~/.gitconfig says.
    git_remote_create_options remote_opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
    remote_opts.repository = impl->repo;
    remote_opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (int rc = git_remote_create_with_opts(&impl->remote, impl->config.url.c_str(), &remote_opts); rc < 0) {
      return std::unexpected(git_error("remote " + base::redact_credentials(impl->config.url), rc));
    }
    // A cold cache: the whole history comes through git in a child process, not into this one, once
    // libgit2 (whose connections time out) has seen the server answer and the branch exist. Should that
    // fail, libgit2's fetch below does it, and reports why.
    if (!warm && impl->config.first_fetch_by_git_command && impl->remote_has_branch()) {
      auto fetched = fetch_with_git_command(impl->config, dir, kColdFetchTimeout, claim->fd());
      impl->fetched_by_git_command = fetched.has_value();
      if (!fetched) {
        kube::log::info("first fetch with the git command failed; fetching with libgit2", {{"error", fetched.error().message}});
      }
    }
    if (auto f = impl->fetch(); !f) return std::unexpected(f.error());
    return impl;
  };

  bool warm = false;
  auto impl = open_cache(true, warm);
  // A process killed between a push and packing what it pushed leaves a cache whose refs name objects it
  // never wrote: fetching from it then fails on the missing object. The cache is only a copy of the
  // remote, so a local failure (not the network's, the server's or the credentials') starts it again.
  if (!impl && warm && impl.error().kind == kube::ErrorKind::kOther) {
    kube::log::warn("the state store's cache cannot be used; cloning it again",
                    {{"url", base::redact_credentials(config.url)}, {"error", impl.error().message}});
    impl = open_cache(false, warm);
  }
  if (!impl) return std::unexpected(impl.error());
  (*impl)->cache_claim = std::move(*claim);
  return std::unique_ptr<GitWriter>(new GitWriter(std::move(*impl)));
}

void GitWriter::submit(Change change, OnWritten on_written) { queue_.submit(std::move(change), std::move(on_written)); }

void GitWriter::on_drift(OnDrift listener) {
  std::lock_guard lock(impl_->listener_mu);
  impl_->drift_listener = std::move(listener);
}

void GitWriter::refresh() {
  // One key for every refresh: those waiting together fold into one fetch.
  queue_.submit(Change{.placement = "refresh", .key = "\x01refresh"}, [](kube::Result<WriteResult>) {});
}

void GitWriter::close() {
  queue_.close();
  std::lock_guard lock(impl_->repo_mu);
  impl_->release();
}

kube::Result<std::optional<std::string>> GitWriter::read_file(const std::string& path) {
  if (!contained_path(path)) return std::unexpected(kube::make_error(ErrorKind::kInvalid, "path leaves the state store"));
  std::lock_guard lock(impl_->repo_mu);
  if (!impl_->repo) return std::unexpected(writer_closed_error());
  if (!impl_->has_tip) return std::optional<std::string>{};
  Commit commit;
  Tree tree;
  TreeEntry entry;
  Blob blob;
  if (git_commit_lookup(commit.out(), impl_->repo, &impl_->tip) != 0 || git_commit_tree(tree.out(), commit.get()) != 0) {
    return std::unexpected(kube::make_error(ErrorKind::kOther, "cannot read the tip of " + base::redact_credentials(impl_->config.url)));
  }
  if (git_tree_entry_bypath(entry.out(), tree.get(), store_path(impl_->config.path, path).c_str()) != 0) {
    return std::optional<std::string>{};
  }
  if (git_blob_lookup(blob.out(), impl_->repo, git_tree_entry_id(entry.get())) != 0) return std::optional<std::string>{};
  return std::optional<std::string>(std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                                static_cast<size_t>(git_blob_rawsize(blob.get()))));
}

kube::Status GitWriter::check_permissions() {
  std::lock_guard lock(impl_->repo_mu);
  if (!impl_->repo) return std::unexpected(writer_closed_error());
  if (!impl_->has_tip) return {};  // an empty repository: the first write proves it
  auto pushed = impl_->push(impl_->tip);
  if (!pushed) return std::unexpected(pushed.error());
  if (!*pushed) return std::unexpected(kube::make_error(ErrorKind::kConflict, "the remote branch moved"));
  return {};
}

int GitWriter::commits() const {
  std::lock_guard lock(impl_->repo_mu);
  return impl_->commits;
}

bool GitWriter::first_fetch_by_git_command() const { return impl_->fetched_by_git_command; }

int GitWriter::fetches() const {
  std::lock_guard lock(impl_->repo_mu);
  return impl_->fetches;
}

}  // namespace pave::statestore
