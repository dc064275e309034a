// A real Git server for tests: Debian's git-http-backend behind nginx (through fcgiwrap) with HTTP basic
// auth, over http and https (a certificate for "localhost" signed by a CA of its own), and OpenSSH with
// key authentication, on free loopback ports, serving bare repositories from a temporary directory.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "base/subprocess.h"
#include "base/temp_dir.h"

namespace pave::testing {

class GitServer {
 public:
  static std::expected<GitServer, std::string> start(const std::string& user, const std::string& password);
  GitServer(GitServer&&) noexcept = default;
  ~GitServer();

  // Creates an empty bare repository that accepts pushes; returns its URL (without credentials).
  std::string create_repo(const std::string& name);
  std::string url(const std::string& name) const;
  // https://localhost:PORT/git/<name>.git, served with a certificate signed by ca_file().
  std::string https_url(const std::string& name) const;
  std::string ca_file() const { return dir_->path().string() + "/ca.crt"; }
  std::string ca_pem() const;  // ca_file()'s content
  // The bare repository on disk, to read the remote's state without a clone.
  std::string repo_path(const std::string& name) const;
  // ssh://root@127.0.0.1:PORT/<dir>/repos/<name>.git, served by OpenSSH with key authentication.
  std::string ssh_url(const std::string& name) const;
  // The server's host key as known_hosts lines, and client private keys it accepts ("ed25519" or "ecdsa").
  std::string known_hosts() const;
  int ssh_port() const { return ssh_port_; }
  std::string client_key(const std::string& kind) const;
  // The same URL with user:password@ in it, for the git command line.
  std::string url_with_credentials(const std::string& name) const;

  // Runs git in dir (a scratch working directory of the test's), for changes made "by someone else".
  base::ProcessOutput git(const std::string& dir, const std::vector<std::string>& args) const;
  // A fresh clone of the repository into a new directory under the server's temp dir; returns its path.
  std::string clone(const std::string& name) const;

  // Paused, the http(s) server accepts requests and answers none (git-http-backend is stopped) until
  // resumed: a slow or hung server, for as long as a test needs one.
  void pause(bool paused) const;

 private:
  GitServer() = default;
  void stop();

  std::optional<base::TempDir> dir_;
  std::optional<base::Child> fcgiwrap_;
  std::optional<base::Child> nginx_;
  std::optional<base::Child> sshd_;
  int port_ = 0;
  int https_port_ = 0;
  int ssh_port_ = 0;
  std::string user_, password_;
  mutable int clones_ = 0;
};

}  // namespace pave::testing
