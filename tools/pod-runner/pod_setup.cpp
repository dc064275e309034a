#include "pod_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/encoding.h"
#include "engine.h"
#include "kube/object.h"

namespace pave::podrunner {
namespace {

namespace fs = std::filesystem;
using kube::Json;
using kube::Result;

kube::Error invalid(std::string message) { return kube::make_error(kube::ErrorKind::kInvalid, std::move(message)); }


kube::Status write_file(const fs::path& dir, const std::string& rel, const std::string& content, int mode) {
  if (!safe_relative_path(rel)) return std::unexpected(invalid("volume path \"" + rel + "\" leaves its volume"));
  const fs::path target = dir / rel;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  std::ofstream(target, std::ios::binary | std::ios::trunc) << content;
  fs::permissions(target, static_cast<fs::perms>(mode), ec);
  return {};
}

// Key -> content of a ConfigMap's data (and binaryData) or a Secret's data (decoded).
Result<std::map<std::string, std::string>> source_data(const kube::Client& client, const std::string& ns,
                                                       const std::string& kind, const std::string& name, bool optional) {
  const bool secret = kind == "Secret";
  auto obj = client.get(secret ? kube::resources::secrets() : kube::resources::configmaps(), ns, name);
  std::map<std::string, std::string> data;
  if (!obj) {
    if (optional && obj.error().kind == kube::ErrorKind::kNotFound) return data;
    return std::unexpected(obj.error());
  }
  // items() refers to its object: keep the objects alive for the loops.
  const Json text = obj->value("data", Json::object());
  for (const auto& [k, v] : text.items()) {
    if (v.is_string()) data[k] = secret ? base::base64_decode(v.get<std::string>()).value_or("") : v.get<std::string>();
  }
  const Json binary = secret ? Json::object() : obj->value("binaryData", Json::object());
  for (const auto& [k, v] : binary.items()) {
    if (v.is_string()) data[k] = base::base64_decode(v.get<std::string>()).value_or("");
  }
  return data;
}

// Writes keys of a ConfigMap or Secret into dir: all of them, or only `items` (key -> path, mode).
kube::Status write_keys(const fs::path& dir, const std::map<std::string, std::string>& data, const Json& items,
                        int default_mode) {
  if (!items.is_array() || items.empty()) {
    for (const auto& [k, v] : data) {
      if (auto s = write_file(dir, k, v, default_mode); !s) return s;
    }
    return {};
  }
  for (const auto& item : items) {
    auto it = data.find(item.value("key", ""));
    if (it == data.end()) return std::unexpected(invalid("key \"" + item.value("key", "") + "\" not found"));
    if (auto s = write_file(dir, item.value("path", it->first), it->second, item.value("mode", default_mode)); !s) return s;
  }
  return {};
}

// The value of a downward-API field of the pod.
std::string field_value(const Json& pod, const std::string& path, const std::string& node_ip) {
  if (path == "metadata.name") return kube::meta::name(pod);
  if (path == "metadata.namespace") return kube::meta::namespace_of(pod);
  if (path == "metadata.uid") return kube::meta::uid(pod);
  if (path == "spec.nodeName") return pod["spec"].value("nodeName", "");
  if (path == "spec.serviceAccountName") return pod["spec"].value("serviceAccountName", "default");
  // Pods share their Node's network (podman --network host).
  if (path == "status.podIP" || path == "status.hostIP") return node_ip;
  for (const char* map : {"labels", "annotations"}) {
    const std::string prefix = std::string("metadata.") + map + "['";
    if (path.starts_with(prefix) && path.ends_with("']")) {
      auto values = map == std::string("labels") ? kube::meta::labels(pod) : kube::meta::annotations(pod);
      auto it = values.find(path.substr(prefix.size(), path.size() - prefix.size() - 2));
      return it == values.end() ? "" : it->second;
    }
  }
  return "";
}

Result<std::string> service_account_token(const kube::Client& client, const Json& pod, const Json& source) {
  const std::string ns = kube::meta::namespace_of(pod);
  const std::string sa = pod["spec"].value("serviceAccountName", "default");
  Json request = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"},
                  {"spec", {{"expirationSeconds", std::max<int64_t>(600, source.value("expirationSeconds", 3600))},
                            {"boundObjectRef", {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", kube::meta::name(pod)},
                                                {"uid", kube::meta::uid(pod)}}}}}};
  if (auto audience = source.value("audience", ""); !audience.empty()) request["spec"]["audiences"] = {audience};
  auto token = client.create_subresource(kube::resources::service_accounts(), ns, sa, "token", request);
  if (!token) return std::unexpected(token.error());
  return (*token)["status"].value("token", "");
}

// The token file as the kubelet writes it: the volume's mode, unless the pod names the user (or group)
// that reads it, when it is 0600 and owned by that user (the group's read comes with fsGroup ownership).
kube::Status write_token(const kube::Client& client, const Json& pod, const Json& source, const fs::path& dir, int mode) {
  auto token = service_account_token(client, pod, source);
  if (!token) return std::unexpected(token.error());
  const auto fs_user = pod_fs_user(pod);
  if (fs_user || pod_fs_group(pod)) mode = 0600;
  const std::string path = source.value("path", "token");
  if (auto s = write_file(dir, path, *token, mode); !s) return s;
  if (fs_user && ::chown((dir / path).c_str(), static_cast<uid_t>(*fs_user), static_cast<gid_t>(-1)) != 0) {
    return std::unexpected(invalid("cannot give the token to user " + std::to_string(*fs_user) + ": " + std::strerror(errno)));
  }
  return {};
}

kube::Status write_projected(const kube::Client& client, const Json& pod, const Json& projected, const fs::path& dir,
                             const std::string& node_ip) {
  const int mode = projected.value("defaultMode", 0644);
  const std::string ns = kube::meta::namespace_of(pod);
  for (const auto& source : projected.value("sources", Json::array())) {
    if (source.contains("serviceAccountToken")) {
      if (auto s = write_token(client, pod, source["serviceAccountToken"], dir, mode); !s) return s;
    }
    for (const char* kind : {"configMap", "secret"}) {
      if (!source.contains(kind)) continue;
      const Json& ref = source[kind];
      auto data = source_data(client, ns, kind == std::string("secret") ? "Secret" : "ConfigMap", ref.value("name", ""),
                              ref.value("optional", false));
      if (!data) return std::unexpected(data.error());
      if (auto s = write_keys(dir, *data, ref.value("items", Json::array()), mode); !s) return s;
    }
    if (source.contains("downwardAPI")) {
      for (const auto& item : source["downwardAPI"].value("items", Json::array())) {
        const std::string value = field_value(pod, item.value("fieldRef", Json::object()).value("fieldPath", ""), node_ip);
        if (auto s = write_file(dir, item.value("path", ""), value, mode); !s) return s;
      }
    }
  }
  return {};
}

kube::Status write_volume(const kube::Client& client, const Json& pod, const Json& v, const fs::path& dir,
                          const std::string& node_ip) {
  const std::string ns = kube::meta::namespace_of(pod);
  if (v.contains("configMap") || v.contains("secret")) {
    const bool secret = v.contains("secret");
    const Json& ref = secret ? v["secret"] : v["configMap"];
    auto data = source_data(client, ns, secret ? "Secret" : "ConfigMap",
                            secret ? ref.value("secretName", "") : ref.value("name", ""), ref.value("optional", false));
    if (!data) return std::unexpected(data.error());
    return write_keys(dir, *data, ref.value("items", Json::array()), ref.value("defaultMode", 0644));
  }
  if (v.contains("projected")) return write_projected(client, pod, v["projected"], dir, node_ip);
  if (v.contains("downwardAPI")) return write_projected(client, pod, {{"sources", Json::array({{{"downwardAPI", v["downwardAPI"]}}})}}, dir, node_ip);
  if (v.contains("emptyDir")) {
    // Any user in the pod may write an emptyDir: the kubelet makes it 0777 whatever the umask.
    std::error_code ec;
    fs::permissions(dir, fs::perms::all, ec);
    if (ec) return std::unexpected(invalid("cannot open up " + dir.string() + ": " + ec.message()));
    return {};
  }
  return std::unexpected(invalid("volume \"" + v.value("name", "") + "\" has a type the pod runner does not support"));
}

// The kubelet's SetVolumeOwnership: everything in the volume belongs to group fs_group, readable (and,
// for volumes the pod writes, writable) by it, directories setgid so new files join the group.
kube::Status give_to_fs_group(const fs::path& dir, int64_t fs_group, bool read_only) {
  const mode_t mask = read_only ? 0440 : 0660;
  auto own = [&](const fs::path& p) -> kube::Status {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return std::unexpected(invalid("cannot stat " + p.string() + ": " + std::strerror(errno)));
    if (::lchown(p.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(fs_group)) != 0) {
      return std::unexpected(invalid("cannot give " + p.string() + " to group " + std::to_string(fs_group) + ": " + std::strerror(errno)));
    }
    if (S_ISLNK(st.st_mode)) return {};
    mode_t mode = (st.st_mode & 07777) | mask;
    if (S_ISDIR(st.st_mode)) mode |= S_ISGID | 0110;
    ::chmod(p.c_str(), mode);
    return {};
  };
  if (auto s = own(dir); !s) return s;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (auto s = own(it->path()); !s) return s;
  }
  return {};
}

}  // namespace

bool safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

Result<std::map<std::string, std::string>> prepare_volumes(const kube::Client& client, const Json& pod,
                                                           const std::string& pod_dir, const std::string& node_ip) {
  std::map<std::string, std::string> paths;
  for (const auto& v : pod["spec"].value("volumes", Json::array())) {
    const std::string name = v.value("name", "");
    if (!safe_relative_path(name)) return std::unexpected(invalid("volume name \"" + name + "\" is not a plain name"));
    if (v.contains("hostPath")) {
      paths[name] = v["hostPath"].value("path", "");
      continue;
    }
    const fs::path dir = fs::path(pod_dir) / "volumes" / name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return std::unexpected(invalid("cannot create " + dir.string() + ": " + ec.message()));
    if (auto s = write_volume(client, pod, v, dir, node_ip); !s) return std::unexpected(s.error());
    if (auto fs_group = pod_fs_group(pod)) {
      if (auto s = give_to_fs_group(dir, *fs_group, !v.contains("emptyDir")); !s) return std::unexpected(s.error());
    }
    paths[name] = dir.string();
  }
  return paths;
}

Result<RunSpec> run_spec(const kube::Client& client, const Json& pod, const Json& container, int attempt,
                         const std::map<std::string, std::string>& volumes, const RunnerSettings& runner) {
  const ApiEndpoint& api = runner.api;
  const std::string ns = kube::meta::namespace_of(pod);
  RunSpec spec{.pod_uid = kube::meta::uid(pod), .container = container.value("name", ""), .attempt = attempt,
               .image = container.value("image", ""), .working_dir = container.value("workingDir", ""),
               .security = security_options(pod, container, runner.seccomp_dir),
               .limits = runner.apply_limits ? resource_limits(container) : ResourceLimits{}};
  // Environment in the kubelet's order: service variables, envFrom, then env (later wins).
  std::map<std::string, std::string> vars = {{"KUBERNETES_SERVICE_HOST", api.host}, {"KUBERNETES_SERVICE_PORT", api.port},
                                             {"KUBERNETES_SERVICE_PORT_HTTPS", api.port}};
  std::vector<std::string> order = {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS"};
  auto set = [&](const std::string& k, const std::string& v) {
    if (!vars.contains(k)) order.push_back(k);
    vars[k] = v;
  };
  for (const auto& from : container.value("envFrom", Json::array())) {
    const bool secret = from.contains("secretRef");
    const Json ref = secret ? from["secretRef"] : from.value("configMapRef", Json::object());
    auto data = source_data(client, ns, secret ? "Secret" : "ConfigMap", ref.value("name", ""), ref.value("optional", false));
    if (!data) return std::unexpected(data.error());
    for (const auto& [k, v] : *data) set(from.value("prefix", "") + k, v);
  }
  for (const auto& e : container.value("env", Json::array())) {
    const std::string name = e.value("name", "");
    if (e.contains("valueFrom")) {
      const Json& from = e["valueFrom"];
      if (from.contains("fieldRef")) {
        set(name, field_value(pod, from["fieldRef"].value("fieldPath", ""), runner.node_ip));
        continue;
      }
      const bool secret = from.contains("secretKeyRef");
      const Json ref = secret ? from["secretKeyRef"] : from.value("configMapKeyRef", Json::object());
      auto data = source_data(client, ns, secret ? "Secret" : "ConfigMap", ref.value("name", ""), ref.value("optional", false));
      if (!data) return std::unexpected(data.error());
      auto it = data->find(ref.value("key", ""));
      if (it != data->end()) set(name, it->second);
      else if (!ref.value("optional", false)) return std::unexpected(invalid("env " + name + ": key " + ref.value("key", "") + " not found"));
      continue;
    }
    set(name, expand_references(e.value("value", ""), vars));
  }
  for (const auto& k : order) spec.env.emplace_back(k, vars[k]);
  if (container.contains("command")) {
    spec.command.emplace();
    for (const auto& c : container["command"]) spec.command->push_back(expand_references(c.get<std::string>(), vars));
  }
  if (container.contains("args")) {
    spec.args.emplace();
    for (const auto& a : container["args"]) spec.args->push_back(expand_references(a.get<std::string>(), vars));
  }
  for (const auto& m : container.value("volumeMounts", Json::array())) {
    auto v = volumes.find(m.value("name", ""));
    if (v == volumes.end()) return std::unexpected(invalid("volumeMount of unknown volume " + m.value("name", "")));
    std::string host = v->second;
    if (auto sub = m.value("subPath", ""); !sub.empty()) {
      if (!safe_relative_path(sub)) return std::unexpected(invalid("subPath \"" + sub + "\" leaves its volume"));
      host = (fs::path(host) / sub).string();
      std::error_code ec;
      if (!fs::exists(host)) fs::create_directories(host, ec);
    }
    spec.mounts.push_back({host, m.value("mountPath", ""), m.value("readOnly", false)});
  }
  return spec;
}

}  // namespace pave::podrunner
