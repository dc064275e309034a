// Whom a Git writer trusts (ssh host keys by known_hosts) and how libgit2's failures are classified.
#include <git2.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "statestore/git_errors.h"
#include "statestore/git_trust.h"

namespace pave::statestore {
namespace {

// Two made-up ed25519 key blobs (base64 as in a known_hosts line) and their raw bytes.
constexpr const char* kKey = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
constexpr const char* kOtherKey = "AAAAC3NzaC1lZDI1NTE5AAAAIH3m5nGz9BcR1JdcqTVLrAcCxjz1l9Fv4EhqZ0Cgb9kC";
std::string raw(const char* key) { return base::base64_decode(key).value(); }

TEST(KnownHosts, APlainHostIsPort22AndABracketedOneItsOwnPort) {
  const std::string known = std::string("git.example.com ssh-ed25519 ") + kKey + "\n[127.0.0.1]:2222 ssh-ed25519 " + kKey + "\n";
  EXPECT_TRUE(known_host(known, "git.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host(known, "git.example.com", 2222, raw(kKey))) << "port 22's key is not trusted on another port";
  EXPECT_TRUE(known_host(known, "127.0.0.1", 2222, raw(kKey)));
  EXPECT_FALSE(known_host(known, "127.0.0.1", 2223, raw(kKey))) << "[host]:2222 says nothing of port 2223";
  EXPECT_FALSE(known_host(known, "127.0.0.1", 22, raw(kKey)));
  EXPECT_FALSE(known_host(known, "git.example.com", 22, raw(kOtherKey))) << "another key for a known host";
}

TEST(KnownHosts, HashedNamesAsSshKeyscanWritesThem) {
  // HMAC-SHA1 of the name under the salt 00 01 .. 13.
  const std::string known = std::string("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|zKYaAqmSav3Qxr2sffNqWFIcbe4= ssh-ed25519 ") + kKey +
                            "\n|1|AAECAwQFBgcICQoLDA0ODxAREhM=|5DHGyoq+K/vX4lJK0U2p7IteoFw= ssh-ed25519 " + kOtherKey + "\n";
  EXPECT_TRUE(known_host(known, "127.0.0.1", 2222, raw(kKey)));
  EXPECT_FALSE(known_host(known, "127.0.0.1", 2221, raw(kKey)));
  EXPECT_TRUE(known_host(known, "git.example.com", 22, raw(kOtherKey)));
  EXPECT_FALSE(known_host(known, "git.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host("|1|not base64|x ssh-ed25519 " + std::string(kKey), "127.0.0.1", 22, raw(kKey)));
}

TEST(KnownHosts, WildcardsNegationCommentsAndMarkers) {
  const std::string key = std::string(" ssh-ed25519 ") + kKey;
  EXPECT_TRUE(known_host("*.example.com,!evil.example.com" + key, "git.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host("*.example.com,!evil.example.com" + key, "evil.example.com", 22, raw(kKey)));
  EXPECT_TRUE(known_host("git?.example.com" + key, "git1.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host("# git.example.com" + key, "git.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host("@cert-authority git.example.com" + key, "git.example.com", 22, raw(kKey)))
      << "a CA key is not the host's key";
  EXPECT_FALSE(known_host("git.example.com" + key + "\n@revoked * " + "ssh-ed25519 " + kKey, "git.example.com", 22, raw(kKey)))
      << "a revoked key stays refused whatever else lists it";
  EXPECT_FALSE(known_host("", "git.example.com", 22, raw(kKey)));
  EXPECT_FALSE(known_host("git.example.com ssh-ed25519", "git.example.com", 22, raw(kKey)));
}

TEST(SshUrl, SshAndScpFormsAreSshOtherSchemesAreNot) {
  EXPECT_TRUE(is_ssh_url("ssh://git@127.0.0.1:2222/srv/state.git"));
  EXPECT_TRUE(is_ssh_url("git@github.com:org/repo.git"));
  EXPECT_FALSE(is_ssh_url("https://github.com/org/repo.git"));
  EXPECT_FALSE(is_ssh_url("http://127.0.0.1:8080/git/state.git"));
}

TEST(SshPort, FromTheUrl) {
  EXPECT_EQ(ssh_port("ssh://git@127.0.0.1:2222/srv/state.git"), 2222);
  EXPECT_EQ(ssh_port("ssh://127.0.0.1/srv/state.git"), 22);
  EXPECT_EQ(ssh_port("ssh://git@[::1]:2200/state.git"), 2200);
  EXPECT_EQ(ssh_port("ssh://git@[::1]/state.git"), 22);
  EXPECT_EQ(ssh_port("git@github.com:org/repo.git"), 22);
  EXPECT_EQ(ssh_port("ssh://git@host:notaport/repo.git"), 22);
}

TEST(GitErrors, ClassifiedByLibgit2sClassAndTheHttpStatusNotByWords) {
  using kube::ErrorKind;
  // A port number that reads like a status, and a host name with "CN" in it: neither is what they seem.
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_NET, "failed to connect to 127.0.0.1:4031: Connection refused"), ErrorKind::kTransport);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_NET, "failed to resolve address for CN-git.example.com: Name or service not known"),
            ErrorKind::kTransport);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_HTTP, "unexpected http status code: 403"), ErrorKind::kForbidden);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_HTTP, "unexpected http status code: 401"), ErrorKind::kUnauthorized);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_HTTP, "unexpected http status code: 404"), ErrorKind::kNotFound);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_HTTP, "unexpected http status code: 503"), ErrorKind::kTransient);
  EXPECT_EQ(classify_git_error(GIT_EAUTH, GIT_ERROR_HTTP, "too many redirects or authentication replays"), ErrorKind::kUnauthorized);
  EXPECT_EQ(classify_git_error(GIT_ECERTIFICATE, GIT_ERROR_CALLBACK, "user rejected certificate"), ErrorKind::kTls);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_SSL, "SSL error: certificate verify failed"), ErrorKind::kTls);
  EXPECT_EQ(classify_git_error(-1, GIT_ERROR_ODB, "object not found - no match for id 4031"), ErrorKind::kOther);
  // A lock file left in the cache is a local fault (libgit2 gives it the OS class), so the cache is cloned again.
  EXPECT_EQ(classify_git_error(GIT_ELOCKED, GIT_ERROR_OS, "failed to lock file '/c/refs/heads/main.lock' for writing"),
            ErrorKind::kOther);
  EXPECT_EQ(git_http_status("unexpected http status code: 418 and more"), 418);
  EXPECT_EQ(git_http_status("status 403"), 0);
}

}  // namespace
}  // namespace pave::statestore
