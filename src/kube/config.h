// How to reach and authenticate to an API server: from kubeconfig files or from inside a pod.
//
//   auto config = kube::load_config();          // in-cluster, else $KUBECONFIG, else ~/.kube/config
//   auto config = kube::load_kubeconfig({.paths = {"/tmp/admin.kubeconfig"}, .context = "platform"});
//
// Credentials are kept as given (file names or inline data) and resolved by the transport, so files that
// rotate on disk (service-account tokens, certificates) are re-read. Nothing here is ever logged whole:
// use Config::describe() for a log line.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"

namespace pave::kube {

// A client-go exec credential plugin (users[].user.exec in a kubeconfig).
struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string api_version = "client.authentication.k8s.io/v1";
  bool provide_cluster_info = false;
};

struct Config {
  std::string server;                  // https://host:port, without a trailing slash
  std::string tls_server_name;         // overrides the name checked in the server's certificate

  // Trust: inline PEM data wins over a file; insecure skips verification (never the default).
  std::string ca_data;
  std::string ca_file;
  bool insecure_skip_tls_verify = false;

  // Client certificate authentication (PEM data or files).
  std::string client_cert_data;
  std::string client_key_data;
  std::string client_cert_file;
  std::string client_key_file;

  // Bearer token authentication: a token, a file re-read when it changes, or an exec plugin.
  std::string token;
  std::string token_file;
  std::optional<ExecConfig> exec;

  // HTTP basic authentication (rare; kept for completeness of kubeconfig support).
  std::string username;
  std::string password;

  std::string default_namespace = "default";
  std::string user_agent = "pave";

  // Client-side limits: a token bucket of qps with burst, per-request timeout, retries on 429/5xx.
  double qps = 50;
  int burst = 100;
  std::chrono::milliseconds timeout{30'000};
  int max_retries = 5;

  // A one-line description safe for logs: server, auth method, never secrets.
  std::string describe() const;
};

struct KubeconfigOptions {
  std::vector<std::string> paths;  // empty: $KUBECONFIG (colon-separated) or ~/.kube/config
  std::string context;             // empty: current-context
};

// Loads a kubeconfig. Several files merge as kubectl does: the first file to set a map entry (cluster,
// user, context by name) or current-context wins. Relative file paths resolve against the file that
// names them.
Result<Config> load_kubeconfig(const KubeconfigOptions& options = {});

// Parses kubeconfig text; base_dir resolves relative paths.
Result<Config> parse_kubeconfig(const std::string& text, const std::string& base_dir, const std::string& context = "");

// The configuration of a pod: KUBERNETES_SERVICE_HOST/PORT, and the service-account token, CA and
// namespace under root (the kubelet's mount point by default).
Result<Config> in_cluster_config(const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

// In-cluster when running in a pod, else load_kubeconfig().
Result<Config> load_config();

}  // namespace pave::kube
