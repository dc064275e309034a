#include "containers/container_security.h"

#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

namespace pave::containers {
namespace {

using kube::Json;

const Json& empty_object() {
  static const Json empty = Json::object();
  return empty;
}

const Json& field(const Json& object, const char* key) {
  if (!object.is_object()) return empty_object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : empty_object();
}

// The container's value of key if it has one, else the pod's.
Json effective(const Json& pod_sc, const Json& container_sc, const char* key) {
  if (container_sc.contains(key) && !container_sc[key].is_null()) return container_sc[key];
  if (pod_sc.contains(key) && !pod_sc[key].is_null()) return pod_sc[key];
  return nullptr;
}

std::optional<int64_t> integer(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

std::string seccomp_of(const Json& profile, const std::string& seccomp_dir) {
  const std::string type = profile.is_object() ? profile.value("type", "") : "";
  if (type == "RuntimeDefault") return "";
  if (type == "Localhost") return seccomp_dir + "/" + profile.value("localhostProfile", "");
  return "unconfined";
}

std::vector<std::string> strings(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& v : list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The kubelet's format.Pod: name_namespace(uid).
std::string pod_ref(const Json& pod) {
  const Json& meta = field(pod, "metadata");
  return fmt::format("{}_{}({})", meta.value("name", ""), meta.value("namespace", ""), meta.value("uid", ""));
}

std::optional<int64_t> effective_run_as_user(const Json& pod, const Json& container) {
  return integer(effective(field(field(pod, "spec"), "securityContext"), field(container, "securityContext"), "runAsUser"));
}

}  // namespace

SecurityOptions security_options(const Json& pod, const Json& container, const std::string& seccomp_dir) {
  const Json& pod_sc = field(field(pod, "spec"), "securityContext");
  const Json& sc = field(container, "securityContext");
  SecurityOptions o;
  o.run_as_user = integer(effective(pod_sc, sc, "runAsUser"));
  o.run_as_group = integer(effective(pod_sc, sc, "runAsGroup"));
  o.run_as_non_root = effective(pod_sc, sc, "runAsNonRoot") == Json(true);
  if (auto fs_group = integer(pod_sc.value("fsGroup", Json()))) o.extra_groups.push_back(*fs_group);
  for (const auto& g : pod_sc.value("supplementalGroups", Json::array())) {
    if (g.is_number_integer()) o.extra_groups.push_back(g.get<int64_t>());
  }
  const Json& caps = field(sc, "capabilities");
  o.cap_add = strings(caps.value("add", Json::array()));
  o.cap_drop = strings(caps.value("drop", Json::array()));
  o.no_new_privileges = sc.value("allowPrivilegeEscalation", Json()) == Json(false);
  o.read_only_root = sc.value("readOnlyRootFilesystem", false);
  o.privileged = sc.value("privileged", false);
  o.seccomp = seccomp_of(effective(pod_sc, sc, "seccompProfile"), seccomp_dir);
  if (o.privileged) o.seccomp = "unconfined";  // a privileged container is never filtered
  return o;
}

std::optional<double> parse_quantity(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(number)) return std::nullopt;
  const std::string suffix(end);
  // strtod already read a decimal exponent ("1e3"); what is left must be a unit.
  static const std::map<std::string, double> units = {
      {"", 1},          {"n", 1e-9},     {"u", 1e-6},     {"m", 1e-3},     {"k", 1e3},         {"M", 1e6},
      {"G", 1e9},       {"T", 1e12},     {"P", 1e15},     {"E", 1e18},     {"Ki", 1024.0},     {"Mi", 1048576.0},
      {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0}};
  auto unit = units.find(suffix);
  if (unit == units.end()) return std::nullopt;
  return number * unit->second;
}

ResourceLimits resource_limits(const Json& container) {
  const Json& limits = field(field(container, "resources"), "limits");
  ResourceLimits r;
  if (auto memory = limits.find("memory"); memory != limits.end() && memory->is_string()) {
    if (auto bytes = parse_quantity(memory->get<std::string>())) r.memory_bytes = static_cast<int64_t>(std::ceil(*bytes));
  }
  if (auto cpu = limits.find("cpu"); cpu != limits.end()) {
    if (cpu->is_string()) r.cpus = parse_quantity(cpu->get<std::string>());
    else if (cpu->is_number()) r.cpus = cpu->get<double>();
  }
  return r;
}

std::optional<std::string> verify_run_as_non_root(const Json& pod, const Json& container, const SecurityOptions& security,
                                                  const std::string& image_user) {
  if (!security.run_as_non_root) return std::nullopt;
  const std::string name = container.value("name", "");
  if (security.run_as_user) {
    if (*security.run_as_user == 0) {
      return fmt::format("container's runAsUser breaks non-root policy (pod: \"{}\", container: {})", pod_ref(pod), name);
    }
    return std::nullopt;
  }
  const std::string user = image_user.substr(0, image_user.find(':'));
  if (user.empty() || user == "0") {
    return fmt::format("container has runAsNonRoot and image will run as root (pod: \"{}\", container: {})", pod_ref(pod), name);
  }
  if (user.find_first_not_of("0123456789") != std::string::npos) {
    return fmt::format("container has runAsNonRoot and image has non-numeric user ({}), cannot verify user is non-root "
                       "(pod: \"{}\", container: {})", user, pod_ref(pod), name);
  }
  return std::nullopt;
}

std::optional<int64_t> pod_fs_user(const Json& pod) {
  std::optional<int64_t> user;
  bool first = true;
  const Json& spec = field(pod, "spec");
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : spec.value(list, Json::array())) {
      auto u = effective_run_as_user(pod, c);
      if (!u || (!first && user != u)) return std::nullopt;
      user = u;
      first = false;
    }
  }
  return user;
}

std::optional<int64_t> pod_fs_group(const Json& pod) {
  return integer(field(field(pod, "spec"), "securityContext").value("fsGroup", Json()));
}

}  // namespace pave::containers
