#include "kube/credentials.h"

#include <fstream>
#include <sstream>

#include "base/subprocess.h"
#include "kube/json.h"
#include "kube/time.h"

namespace pave::kube {
namespace {

constexpr auto kTokenFileRecheck = std::chrono::seconds(60);
constexpr auto kExpiryMargin = std::chrono::seconds(10);

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

Result<Credentials> CredentialProvider::current() {
  std::lock_guard lock(mu_);
  if (config_.exec) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (exec_cached_ && now + kExpiryMargin < exec_expiry_) return *exec_cached_;
    auto creds = run_exec_plugin();
    if (!creds) return creds;
    exec_cached_ = *creds;
    return creds;
  }
  Credentials c;
  if (!config_.token_file.empty()) {
    const auto now = std::chrono::steady_clock::now();
    if (file_token_.empty() || now - file_read_at_ >= kTokenFileRecheck) {
      std::ifstream in(config_.token_file);
      if (!in) return std::unexpected(make_error(ErrorKind::kConfig, "cannot read token file " + config_.token_file));
      std::stringstream s;
      s << in.rdbuf();
      file_token_ = trim(s.str());
      file_read_at_ = now;
    }
    c.bearer_token = file_token_;
  } else {
    c.bearer_token = config_.token;
  }
  return c;
}

void CredentialProvider::invalidate() {
  std::lock_guard lock(mu_);
  exec_cached_.reset();
  file_token_.clear();
}

Result<Credentials> CredentialProvider::run_exec_plugin() {
  const ExecConfig& exec = *config_.exec;
  Json info = {{"apiVersion", exec.api_version}, {"kind", "ExecCredential"}, {"spec", {{"interactive", false}}}};
  if (exec.provide_cluster_info) {
    info["spec"]["cluster"] = {{"server", config_.server}, {"insecure-skip-tls-verify", config_.insecure_skip_tls_verify}};
  }
  base::RunOptions run{.argv = {exec.command}, .env = exec.env, .timeout = std::chrono::seconds(60)};
  run.argv.insert(run.argv.end(), exec.args.begin(), exec.args.end());
  run.env["KUBERNETES_EXEC_INFO"] = info.dump();
  auto out = base::run(run);
  if (!out.ok()) {
    // The plugin's stderr may be shown; its stdout may hold a credential and is not.
    return std::unexpected(make_error(ErrorKind::kConfig, "exec plugin " + exec.command + " failed (exit " +
                                                              std::to_string(out.exit_code) + "): " + trim(out.err)));
  }
  auto cred = Json::parse(out.out, nullptr, false);
  if (!cred.is_object() || !cred.contains("status") || !cred["status"].is_object()) {
    return std::unexpected(make_error(ErrorKind::kConfig, "exec plugin " + exec.command + " printed no ExecCredential"));
  }
  const Json& status = cred["status"];
  Credentials c{.bearer_token = status.value("token", ""),
                .client_cert_pem = status.value("clientCertificateData", ""),
                .client_key_pem = status.value("clientKeyData", "")};
  if (c.bearer_token.empty() && c.client_cert_pem.empty()) {
    return std::unexpected(make_error(ErrorKind::kConfig, "exec plugin " + exec.command + " returned no credential"));
  }
  exec_expiry_ = std::chrono::sys_seconds::max();
  if (auto ts = status.value("expirationTimestamp", ""); !ts.empty()) {
    if (auto t = parse_rfc3339(ts)) exec_expiry_ = *t;
  }
  return c;
}

}  // namespace pave::kube
