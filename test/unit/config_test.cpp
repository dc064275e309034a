#include "kube/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "base/temp_dir.h"
#include "kube/credentials.h"
#include "kube/time.h"

namespace pave::kube {
namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// "hello" and "world" in base64.
constexpr const char* kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: b
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443/", certificate-authority-data: aGVsbG8=}
- name: two
  cluster: {server: "https://10.0.0.9:443", certificate-authority: certs/ca.crt, tls-server-name: api.internal}
users:
- name: cert-user
  user: {client-certificate-data: aGVsbG8=, client-key-data: d29ybGQ=}
- name: file-user
  user: {client-certificate: certs/u.crt, client-key: /abs/u.key, tokenFile: tok}
contexts:
- name: a
  context: {cluster: one, user: cert-user}
- name: b
  context: {cluster: two, user: file-user, namespace: team-b}
)";

TEST(Kubeconfig, UsesTheCurrentContextAndResolvesRelativePaths) {
  auto c = parse_kubeconfig(kTwoContexts, "/home/me/.kube");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.0.0.9:443");
  EXPECT_EQ(c->ca_file, "/home/me/.kube/certs/ca.crt");
  EXPECT_EQ(c->tls_server_name, "api.internal");
  EXPECT_EQ(c->client_cert_file, "/home/me/.kube/certs/u.crt");
  EXPECT_EQ(c->client_key_file, "/abs/u.key");
  EXPECT_EQ(c->token_file, "/home/me/.kube/tok");
  EXPECT_EQ(c->default_namespace, "team-b");
}

TEST(Kubeconfig, SelectsANamedContextAndDecodesInlineData) {
  auto c = parse_kubeconfig(kTwoContexts, "/x", "a");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->server, "https://127.0.0.1:6443") << "trailing slash dropped";
  EXPECT_EQ(c->ca_data, "hello");
  EXPECT_EQ(c->client_cert_data, "hello");
  EXPECT_EQ(c->client_key_data, "world");
  EXPECT_EQ(c->default_namespace, "default");
  EXPECT_FALSE(c->insecure_skip_tls_verify) << "TLS is verified unless the kubeconfig says otherwise";
}

TEST(Kubeconfig, ReportsMissingPieces) {
  auto missing = parse_kubeconfig(kTwoContexts, "/x", "nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::kConfig);
  EXPECT_NE(missing.error().message.find("\"nope\" not found"), std::string::npos);
  EXPECT_FALSE(parse_kubeconfig("apiVersion: v1\nkind: Config\n", "/x").has_value());
}

TEST(Kubeconfig, ParsesExecPlugins) {
  auto c = parse_kubeconfig(R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1", insecure-skip-tls-verify: true}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, k]
      env: [{name: REGION, value: eu}]
      provideClusterInfo: true
contexts: [{name: c, context: {cluster: k, user: u}}]
)", "/cfg");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_TRUE(c->exec.has_value());
  EXPECT_EQ(c->exec->command, "/cfg/bin/get-token");
  EXPECT_EQ(c->exec->args, (std::vector<std::string>{"--cluster", "k"}));
  EXPECT_EQ(c->exec->env.at("REGION"), "eu");
  EXPECT_TRUE(c->exec->provide_cluster_info);
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->describe(), "server=https://h:1 auth=exec:get-token tls=insecure");
}

TEST(Kubeconfig, MergesSeveralFilesFirstDefinitionWins) {
  auto dir = base::TempDir::create("kubeconfig").value();
  write(dir.path() / "a", R"(
current-context: from-a
clusters: [{name: k, cluster: {server: "https://first:1"}}]
contexts: [{name: from-a, context: {cluster: k, user: u}}]
)");
  write(dir.path() / "b", R"(
current-context: from-b
clusters: [{name: k, cluster: {server: "https://second:1"}}, {name: other, cluster: {server: "https://other:1"}}]
users: [{name: u, user: {token: secret-token}}]
contexts: [{name: from-b, context: {cluster: other, user: u}}]
)");
  auto c = load_kubeconfig({.paths = {(dir.path() / "a").string(), (dir.path() / "missing").string(),
                                      (dir.path() / "b").string()}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://first:1");
  EXPECT_EQ(c->token, "secret-token") << "the user comes from the second file";
  EXPECT_EQ(c->describe().find("secret-token"), std::string::npos) << "describe() must not show secrets";

  auto b = load_kubeconfig({.paths = {(dir.path() / "a").string(), (dir.path() / "b").string()}, .context = "from-b"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->server, "https://other:1");
}

TEST(InClusterConfig, ReadsTheServiceAccountMount) {
  auto dir = base::TempDir::create("sa").value();
  write(dir.path() / "token", "tok-1\n");
  write(dir.path() / "ca.crt", "pem");
  write(dir.path() / "namespace", "team-x\n");
  setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto c = in_cluster_config(dir.path().string());
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.0.0.1:443");
  EXPECT_EQ(c->default_namespace, "team-x");
  EXPECT_EQ(c->ca_file, (dir.path() / "ca.crt").string());

  // The token is read from the file, and read again after it rotates.
  CredentialProvider creds(*c);
  EXPECT_EQ(creds.current()->bearer_token, "tok-1");
  write(dir.path() / "token", "tok-2\n");
  creds.invalidate();
  EXPECT_EQ(creds.current()->bearer_token, "tok-2");
}

TEST(InClusterConfig, RefusesOutsideAPod) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  auto c = in_cluster_config("/nonexistent");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ErrorKind::kConfig);
}

TEST(Credentials, ExecPluginOutputIsCachedUntilItExpires) {
  auto dir = base::TempDir::create("exec").value();
  // The plugin counts its runs in a file and returns a token that expired a minute ago, then a fresh one.
  const auto counter = dir.path() / "runs";
  write(dir.path() / "plugin.sh", R"SH(#!/bin/sh
echo x >> ")SH" + counter.string() + R"SH("
n=$(wc -l < ")SH" + counter.string() + R"SH(")
test "$(echo "$KUBERNETES_EXEC_INFO" | grep -c ExecCredential)" = 1 || exit 9
if [ "$n" = 1 ]; then exp=2000-01-01T00:00:00Z; else exp=2999-01-01T00:00:00Z; fi
echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t$n\",\"expirationTimestamp\":\"$exp\"}}"
)SH");
  std::filesystem::permissions(dir.path() / "plugin.sh", std::filesystem::perms::owner_all);
  Config c{.server = "https://x"};
  c.exec = ExecConfig{.command = (dir.path() / "plugin.sh").string()};
  CredentialProvider creds(c);
  EXPECT_EQ(creds.current()->bearer_token, "t1");
  EXPECT_EQ(creds.current()->bearer_token, "t2") << "an expired credential is fetched again";
  EXPECT_EQ(creds.current()->bearer_token, "t2") << "an unexpired credential is reused";
  creds.invalidate();
  EXPECT_EQ(creds.current()->bearer_token, "t3");
}

TEST(Credentials, FailingPluginIsAConfigErrorWithItsStderr) {
  Config c{.server = "https://x"};
  c.exec = ExecConfig{.command = "sh", .args = {"-c", "echo secret-on-stdout; echo 'no login' >&2; exit 3"}};
  auto r = CredentialProvider(c).current();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
  EXPECT_NE(r.error().message.find("no login"), std::string::npos);
  EXPECT_EQ(r.error().message.find("secret-on-stdout"), std::string::npos);
}

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  using namespace std::chrono;
  auto a = parse_rfc3339("2026-11-25T10:00:00Z");
  auto b = parse_rfc3339("2026-11-25T11:00:00.123+01:00");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(duration_cast<seconds>(a->time_since_epoch()).count(), 1795600800);
  EXPECT_FALSE(parse_rfc3339("yesterday").has_value());
}

}  // namespace
}  // namespace pave::kube
