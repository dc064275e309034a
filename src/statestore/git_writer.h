// GitWriter keeps one bare clone of a Git state store and writes batches of changes to it: each batch
// becomes one commit built directly from the previous tree (only the changed paths are touched, no
// working tree, no index) and one push. A push the remote rejects (someone else pushed) fetches the new
// tip, replays the batch on it and pushes again, so a diverged branch recovers by itself.
#pragma once

#include <chrono>
#include <memory>

#include "statestore/batch_queue.h"
#include "statestore/github_app.h"
#include "statestore/writer.h"

namespace pave::statestore {

struct GitConfig {
  std::string url;                 // http(s)://host/repo.git or ssh://user@host:port/path
  std::string branch = "main";
  std::string path;                // prefix inside the repository (GitStateStore spec.path)
  std::string username;            // basic auth
  std::string password;
  std::shared_ptr<GitHubAppTokens> github_app;  // when set: its installation tokens, as user x-access-token
  std::string ssh_private_key;     // PEM or OpenSSH format, for ssh URLs
  std::string ssh_public_key;      // optional
  std::string known_hosts;         // OpenSSH known_hosts the ssh server's key must appear in (required for ssh)
  std::string author_name = "kratix";
  std::string author_email = "kratix@kratix.io";
  std::string ca_bundle;           // PEM: CAs trusted for https besides the system's; verification is never off by default
  // Kratix's git.minimumFetchInterval: a write first fetches the branch unless it was fetched this recently
  // (0: before every write), so it builds on what others pushed instead of being refused and replayed.
  std::chrono::milliseconds minimum_fetch_interval = std::chrono::seconds(5);
  bool insecure_skip_tls_verify = false;
  // A cold cache's first fetch by the git command in a child process (see git_cli_fetch.h); off: libgit2
  // fetches everything in this process.
  bool first_fetch_by_git_command = true;
};

class GitWriter : public Writer {
 public:
  // Clones (or reopens) the repository under cache_dir and starts the writer thread.
  static kube::Result<std::unique_ptr<GitWriter>> open(GitConfig config, const std::string& cache_dir);
  ~GitWriter() override;

  using Writer::submit;
  void submit(Change change, OnWritten on_written) override;
  kube::Result<std::optional<std::string>> read_file(const std::string& path) override;
  void close() override;
  // A fetch that finds the branch moved by someone else diffs the tree it knew with the new one (under
  // the store's path): the paths that differ are the drift. A force-push to unrelated history, a file
  // deleted by hand and a commit of another writer all show up so, on the next write or refresh().
  void on_drift(OnDrift listener) override;
  void refresh() override;

  // Pushes the current tip again (a no-op push), proving the credentials may write.
  kube::Status check_permissions();

  // Commits made and fetches done so far by this writer (for tests and benchmarks).
  int commits() const;
  int fetches() const;
  // Whether the history came through the git command when the cache was cold.
  bool first_fetch_by_git_command() const;

 private:
  struct Impl;
  explicit GitWriter(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  BatchQueue queue_;  // declared last: its thread stops before impl_ goes
};

}  // namespace pave::statestore
