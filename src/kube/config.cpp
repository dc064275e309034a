#include "kube/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "kube/yaml.h"

namespace pave::kube {
namespace {

namespace fs = std::filesystem;

Error config_error(std::string message) { return make_error(ErrorKind::kConfig, std::move(message)); }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}


// Inline kubeconfig data: base64, decoded; text that is not base64 gives nothing (and fails later, clearly).
std::string decode(const std::string& text) { return base::base64_decode(text).value_or(""); }

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

// The entry of a named list (clusters, users, contexts) with the given name.
const Json* find_named(const Json& doc, const char* list, const std::string& name) {
  auto it = doc.find(list);
  if (it == doc.end() || !it->is_array()) return nullptr;
  for (const auto& entry : *it) {
    if (entry.value("name", "") == name) return &entry;
  }
  return nullptr;
}

std::string str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

void apply_cluster(Config& c, const Json& cluster, const std::string& base) {
  c.server = str(cluster, "server");
  while (c.server.ends_with('/')) c.server.pop_back();
  c.tls_server_name = str(cluster, "tls-server-name");
  c.ca_data = decode(str(cluster, "certificate-authority-data"));
  c.ca_file = resolve(str(cluster, "certificate-authority"), base);
  c.insecure_skip_tls_verify = cluster.value("insecure-skip-tls-verify", false);
}

Result<ExecConfig> parse_exec(const Json& exec, const std::string& base) {
  ExecConfig e;
  e.command = str(exec, "command");
  if (e.command.empty()) return std::unexpected(config_error("exec plugin without a command"));
  // A command with a path separator but not absolute is relative to the kubeconfig, as in client-go.
  if (e.command.find('/') != std::string::npos) e.command = resolve(e.command, base);
  if (auto v = str(exec, "apiVersion"); !v.empty()) e.api_version = v;
  for (const auto& a : exec.value("args", Json::array())) e.args.push_back(a.get<std::string>());
  for (const auto& v : exec.value("env", Json::array())) e.env[str(v, "name")] = str(v, "value");
  e.provide_cluster_info = exec.value("provideClusterInfo", false);
  return e;
}

Status apply_user(Config& c, const Json& user, const std::string& base) {
  c.client_cert_data = decode(str(user, "client-certificate-data"));
  c.client_key_data = decode(str(user, "client-key-data"));
  c.client_cert_file = resolve(str(user, "client-certificate"), base);
  c.client_key_file = resolve(str(user, "client-key"), base);
  c.token = str(user, "token");
  c.token_file = resolve(str(user, "tokenFile"), base);
  c.username = str(user, "username");
  c.password = str(user, "password");
  if (auto exec = user.find("exec"); exec != user.end() && exec->is_object()) {
    auto e = parse_exec(*exec, base);
    if (!e) return std::unexpected(e.error());
    c.exec = std::move(*e);
  }
  if (user.contains("auth-provider")) {
    return std::unexpected(config_error("kubeconfig auth-provider plugins are not supported; use an exec plugin"));
  }
  return {};
}

// One kubeconfig file, parsed, with the directory its relative paths resolve against.
struct KubeconfigFile {
  Json doc;
  std::string base;
};

Result<Config> build(const std::vector<KubeconfigFile>& files, const std::string& wanted_context) {
  std::string context_name = wanted_context;
  for (const auto& f : files) {
    if (context_name.empty()) context_name = str(f.doc, "current-context");
  }
  if (context_name.empty()) return std::unexpected(config_error("kubeconfig has no current-context"));
  // The first file that defines a name wins, as in kubectl's merge.
  auto lookup = [&](const char* list, const std::string& name) -> std::pair<const Json*, std::string> {
    for (const auto& f : files) {
      if (const Json* e = find_named(f.doc, list, name)) return {e, f.base};
    }
    return {nullptr, ""};
  };
  auto [context, context_base] = lookup("contexts", context_name);
  if (!context) return std::unexpected(config_error("kubeconfig context \"" + context_name + "\" not found"));
  const Json ctx = context->value("context", Json::object());

  Config c;
  const std::string cluster_name = str(ctx, "cluster");
  auto [cluster, cluster_base] = lookup("clusters", cluster_name);
  if (!cluster) return std::unexpected(config_error("kubeconfig cluster \"" + cluster_name + "\" not found"));
  apply_cluster(c, cluster->value("cluster", Json::object()), cluster_base);
  if (c.server.empty()) return std::unexpected(config_error("kubeconfig cluster \"" + cluster_name + "\" has no server"));

  if (const std::string user_name = str(ctx, "user"); !user_name.empty()) {
    auto [user, user_base] = lookup("users", user_name);
    if (!user) return std::unexpected(config_error("kubeconfig user \"" + user_name + "\" not found"));
    if (auto s = apply_user(c, user->value("user", Json::object()), user_base); !s) return std::unexpected(s.error());
  }
  if (auto ns = str(ctx, "namespace"); !ns.empty()) c.default_namespace = ns;
  return c;
}

}  // namespace

std::string Config::describe() const {
  std::string auth = "none";
  if (exec) auth = "exec:" + fs::path(exec->command).filename().string();
  else if (!token_file.empty()) auth = "token-file";
  else if (!token.empty()) auth = "token";
  else if (!client_cert_data.empty() || !client_cert_file.empty()) auth = "client-certificate";
  else if (!username.empty()) auth = "basic";
  return "server=" + server + " auth=" + auth + (insecure_skip_tls_verify ? " tls=insecure" : " tls=verified");
}

Result<Config> parse_kubeconfig(const std::string& text, const std::string& base_dir, const std::string& context) {
  auto doc = parse_yaml(text);
  if (!doc) return std::unexpected(config_error("kubeconfig: " + doc.error().message));
  if (!doc->is_object()) return std::unexpected(config_error("kubeconfig is not a map"));
  return build({{std::move(*doc), base_dir}}, context);
}

Result<Config> load_kubeconfig(const KubeconfigOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
      std::stringstream s(env);
      for (std::string p; std::getline(s, p, ':');) {
        if (!p.empty()) paths.push_back(p);
      }
    } else if (const char* home = std::getenv("HOME")) {
      paths.push_back(std::string(home) + "/.kube/config");
    }
  }
  std::vector<KubeconfigFile> files;
  for (const auto& p : paths) {
    auto text = read_file(p);
    if (!text) {
      if (paths.size() == 1) return std::unexpected(config_error("cannot read kubeconfig " + p));
      continue;  // kubectl skips missing files in a KUBECONFIG list
    }
    auto doc = parse_yaml(*text);
    if (!doc || !doc->is_object()) return std::unexpected(config_error("kubeconfig " + p + " is not valid YAML"));
    files.push_back({std::move(*doc), fs::path(p).parent_path().string()});
  }
  if (files.empty()) return std::unexpected(config_error("no kubeconfig found"));
  return build(files, options.context);
}

Result<Config> in_cluster_config(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return std::unexpected(config_error("not in a pod: KUBERNETES_SERVICE_HOST/PORT are not set"));
  }
  Config c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port;
  c.token_file = root + "/token";
  c.ca_file = root + "/ca.crt";
  if (!fs::exists(c.token_file)) return std::unexpected(config_error("no service-account token at " + c.token_file));
  if (auto ns = read_file(root + "/namespace"); ns && !ns->empty()) {
    while (!ns->empty() && std::isspace(static_cast<unsigned char>(ns->back()))) ns->pop_back();
    c.default_namespace = *ns;
  }
  return c;
}

Result<Config> load_config() {
  if (std::getenv("KUBERNETES_SERVICE_HOST") && !std::getenv("KUBECONFIG")) {
    if (auto c = in_cluster_config()) return c;
  }
  return load_kubeconfig();
}

}  // namespace pave::kube
