#include "statestore/git_cli_fetch.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/encoding.h"
#include "base/redact.h"
#include "base/subprocess.h"
#include "statestore/git_socket.h"
#include "statestore/git_trust.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

// Writes content to dir/name readable by this user only.
std::string private_file(const std::filesystem::path& dir, const std::string& name, const std::string& content) {
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  chmod(path.c_str(), 0600);
  return path;
}

// git -c settings passed through the environment (GIT_CONFIG_COUNT), so they are not on the command line.
void add_config(std::map<std::string, std::string>& env, const std::string& key, const std::string& value) {
  const int n = env.contains("GIT_CONFIG_COUNT") ? std::stoi(env["GIT_CONFIG_COUNT"]) : 0;
  env["GIT_CONFIG_KEY_" + std::to_string(n)] = key;
  env["GIT_CONFIG_VALUE_" + std::to_string(n)] = value;
  env["GIT_CONFIG_COUNT"] = std::to_string(n + 1);
}

std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }  // temp paths hold no quote

// Whether an http(s) URL carries user information (scheme://user[:password]@host/...): a token is often
// given as the user. ssh's user (git@, root@) is a name, not a secret.
bool url_has_credentials(const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) return false;
  const size_t scheme = url.find("://");
  const std::string authority = url.substr(scheme + 3, url.find('/', scheme + 3) - scheme - 3);
  return authority.find('@') != std::string::npos;
}

// A private directory (0700) at a fixed path, emptied first (a killed run's is stale) and removed after.
class ScratchDir {
 public:
  static std::expected<ScratchDir, std::string> make(std::filesystem::path path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (mkdir(path.c_str(), 0700) != 0) return std::unexpected("cannot make " + path.string() + ": " + std::strerror(errno));
    return ScratchDir(std::move(path));
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace

kube::Status fetch_with_git_command(const GitConfig& config, const std::string& repo_dir, std::chrono::seconds timeout,
                                    int cache_claim_fd) {
  if (url_has_credentials(config.url)) {
    // They would be on the child's command line, for any user of the machine to read.
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "the URL carries credentials; fetched with libgit2 instead"));
  }
  // The key, known hosts and CA go beside the cache, not in TMPDIR: a process killed mid-fetch leaves them
  // where its next fetch removes them, instead of a private key in /tmp for good.
  auto scratch = ScratchDir::make(repo_dir + ".fetch");
  if (!scratch) return std::unexpected(kube::make_error(ErrorKind::kOther, scratch.error()));
  std::map<std::string, std::string> env = {{"GIT_TERMINAL_PROMPT", "0"}, {"GIT_CONFIG_NOSYSTEM", "1"},
                                            {"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_ASKPASS", "/bin/false"},
                                            {"SSH_ASKPASS", "/bin/false"}};
  // A server that stops sending is given up on after the writer's own network timeout.
  const std::string stall = std::to_string(std::max<long>(1, std::chrono::duration_cast<std::chrono::seconds>(git_network_timeout()).count()));
  add_config(env, "http.lowSpeedLimit", "1");
  add_config(env, "http.lowSpeedTime", stall);
  if (is_ssh_url(config.url)) {
    const std::string key = private_file(scratch->path(), "key", config.ssh_private_key);
    const std::string known = private_file(scratch->path(), "known_hosts", config.known_hosts);
    env["GIT_SSH_COMMAND"] = "ssh -i " + shell_quoted(key) + " -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes"
                             " -o GlobalKnownHostsFile=/dev/null -o UserKnownHostsFile=" + shell_quoted(known) +
                             " -o ConnectTimeout=" + stall + " -o ServerAliveInterval=" + stall + " -o ServerAliveCountMax=1";
  } else {
    std::string user = config.username, password = config.password;
    if (config.github_app) {
      auto token = config.github_app->token();
      if (!token) return std::unexpected(token.error());
      user = "x-access-token";
      password = *token;
    }
    if (!user.empty() || !password.empty()) {
      add_config(env, "http.extraHeader", "Authorization: Basic " + base::base64_encode(user + ":" + password));
    }
    // git's own environment variables win over its config: they are set, not configured.
    if (config.insecure_skip_tls_verify) {
      env["GIT_SSL_NO_VERIFY"] = "1";
    } else if (std::getenv("GIT_SSL_NO_VERIFY")) {
      return std::unexpected(kube::make_error(ErrorKind::kInvalid, "GIT_SSL_NO_VERIFY is set here; fetched with libgit2 instead"));
    } else if (!config.ca_bundle.empty()) {
      std::ifstream system(kSystemCaBundle, std::ios::binary);
      std::string bundle((std::istreambuf_iterator<char>(system)), std::istreambuf_iterator<char>());
      env["GIT_SSL_CAINFO"] = private_file(scratch->path(), "ca.pem", bundle + "\n" + config.ca_bundle);
    }
  }
  // Nothing runs on after the fetch (git gc --auto, maintenance), holding the cache's claim.
  add_config(env, "gc.auto", "0");
  add_config(env, "maintenance.auto", "false");
  const std::string refspec = "+refs/heads/" + config.branch + ":refs/remotes/origin/" + config.branch;
  auto out = base::run({.argv = {"git", "-C", repo_dir, "fetch", "--no-tags", "--no-write-fetch-head", "--quiet", "--", config.url, refspec},
                        .env = env, .timeout = timeout,
                        .inherit_fds = cache_claim_fd >= 0 ? std::vector<int>{cache_claim_fd} : std::vector<int>{},
                        .own_process_group = true});
  if (out.ok()) return {};
  std::string why = out.timed_out ? "timed out" : out.err;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return std::unexpected(kube::make_error(out.timed_out ? ErrorKind::kTimeout : ErrorKind::kTransport,
                                          "git fetch " + base::redact_credentials(config.url) + ": " + base::redact_credentials(why)));
}

}  // namespace pave::statestore
