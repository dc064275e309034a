#include "containers/podman.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "kube/json.h"

namespace pave::containers {
namespace {

constexpr const char* kUidLabel = "io.pave.pod-uid";
constexpr const char* kContainerLabel = "io.pave.container";
constexpr const char* kAttemptLabel = "io.pave.attempt";
constexpr const char* kNodeLabel = "io.pave.node";
constexpr const char* kClusterLabel = "io.pave.cluster";

kube::Error engine_error(const std::string& what, const base::ProcessOutput& out) {
  return kube::make_error(kube::ErrorKind::kOther, "podman " + what + " failed (exit " + std::to_string(out.exit_code) +
                                                       "): " + out.err.substr(0, 2000));
}

// Podman prints zero times as 0001-01-01...; Kubernetes wants them absent.
std::string time_or_empty(const kube::Json& v) {
  if (!v.is_string()) return "";
  std::string s = v.get<std::string>();
  return s.starts_with("0001-") ? "" : s;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// Podman's reason for a failure, as a pod's status shows it: the last line of its standard error (the
// lines before are retries and warnings) without "Error: ". The full error when it printed nothing.
kube::Error reason_of(const std::string& what, const base::ProcessOutput& out) {
  std::string reason = trimmed(out.err);
  if (auto nl = reason.rfind('\n'); nl != std::string::npos) reason = reason.substr(nl + 1);
  if (reason.starts_with("Error: ")) reason = reason.substr(7);
  if (reason.empty()) return engine_error(what, out);
  return kube::make_error(kube::ErrorKind::kOther, reason);
}

// podman run options for what the kubelet applies from the security context and resource limits.
void add_security(std::vector<std::string>& argv, const RunSpec& spec) {
  const SecurityOptions& s = spec.security;
  const ResourceLimits& limits = spec.limits;
  if (s.run_as_user || s.run_as_group) {
    // runAsGroup alone keeps the image's user (podman takes USER:GROUP).
    std::string user = s.run_as_user ? std::to_string(*s.run_as_user) : spec.image_user.substr(0, spec.image_user.find(':'));
    if (user.empty()) user = "0";
    if (s.run_as_group) user += ":" + std::to_string(*s.run_as_group);
    argv.insert(argv.end(), {"--user", user});
  }
  for (int64_t g : s.extra_groups) argv.insert(argv.end(), {"--group-add", std::to_string(g)});
  for (const auto& c : s.cap_drop) argv.insert(argv.end(), {"--cap-drop", c});
  for (const auto& c : s.cap_add) argv.insert(argv.end(), {"--cap-add", c});
  if (s.no_new_privileges) argv.insert(argv.end(), {"--security-opt", "no-new-privileges"});
  // A kubelet gives a read-only root no writable /tmp or /run of its own, unlike podman by default.
  if (s.read_only_root) argv.insert(argv.end(), {"--read-only", "--read-only-tmpfs=false"});
  if (s.privileged) argv.push_back("--privileged");
  if (!s.seccomp.empty()) argv.insert(argv.end(), {"--security-opt", "seccomp=" + s.seccomp});
  if (limits.memory_bytes) argv.insert(argv.end(), {"--memory", std::to_string(*limits.memory_bytes)});
  if (limits.cpus) argv.insert(argv.end(), {"--cpus", fmt::format("{:.3f}", *limits.cpus)});
}

}  // namespace

std::vector<std::string> Podman::owner_filters() const {
  std::vector<std::string> filters;
  if (!owner_.node.empty()) filters.insert(filters.end(), {"--filter", std::string("label=") + kNodeLabel + "=" + owner_.node});
  if (!owner_.cluster.empty()) {
    filters.insert(filters.end(), {"--filter", std::string("label=") + kClusterLabel + "=" + owner_.cluster});
  }
  return filters;
}

std::optional<std::string> refuse_mounts(const std::vector<Mount>& mounts) {
  for (const auto& m : mounts) {
    for (const std::string* path : {&m.container_path, &m.host_path}) {
      if (path->find(':') != std::string::npos) {
        return "mount path \"" + *path + "\" contains ':', which this node's container runtime cannot mount";
      }
    }
  }
  return std::nullopt;
}

bool Podman::podman_reads(const std::string& name) {
  static const char* const kOwn[] = {"PATH",         "HOME",        "TMPDIR",  "TZ",        "LANG",        "USER",
                                     "SHELL",        "STORAGE_DRIVER", "STORAGE_OPTS", "REGISTRY_AUTH_FILE",
                                     "BUILDAH_FORMAT", "GODEBUG",   "GOGC",    "GOMAXPROCS", "GOMEMLIMIT", "GOTRACEBACK"};
  for (const char* own : kOwn) {
    if (name == own) return true;
  }
  return name.starts_with("LD_") || name.starts_with("XDG_") || name.starts_with("CONTAINERS_") ||
         name.starts_with("PODMAN_") || name.starts_with("LC_");
}

std::string Podman::container_name(const std::string& pod_uid, const std::string& container, int attempt) {
  return "pave_" + pod_uid + "_" + container + "_" + std::to_string(attempt);
}

Podman::Invocation Podman::run_invocation(const RunSpec& spec, bool detach) const {
  Invocation inv;
  std::vector<std::string>& argv = inv.argv;
  argv = {program_, "run", detach ? "--detach" : "--rm", "--pull=never",
          "--name", container_name(spec.pod_uid, spec.container, spec.attempt),
          "--label", std::string(kUidLabel) + "=" + spec.pod_uid,
          "--label", std::string(kContainerLabel) + "=" + spec.container,
          "--label", std::string(kAttemptLabel) + "=" + std::to_string(spec.attempt),
          "--label", std::string(kNodeLabel) + "=" + owner_.node,
          "--label", std::string(kClusterLabel) + "=" + owner_.cluster,
          // runc with limits this machine can grant (no CAP_SYS_RESOURCE); host network
          // so pods reach the API server on loopback as KUBERNETES_SERVICE_HOST.
          "--runtime", "runc", "--network", "host",
          "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000",
          "--log-driver", "k8s-file"};
  add_security(argv, spec);
  if (!spec.working_dir.empty()) argv.insert(argv.end(), {"--workdir", spec.working_dir});
  // Values go through podman's own environment (`--env NAME` copies it), not its command line, which every
  // user of the host can read with ps: they may come from Secrets. Names podman itself lives by stay on
  // the command line.
  for (const auto& [k, v] : spec.env) {
    // `--env NAME*` copies every variable of podman's own environment that starts with NAME.
    if (k.empty() || k.find_first_of("*=") != std::string::npos) {
      inv.refused = "environment variable name \"" + k + "\" cannot be passed to a container safely";
      return inv;
    }
    if (podman_reads(k)) {
      argv.insert(argv.end(), {"--env", k + "=" + v});
    } else {
      argv.insert(argv.end(), {"--env", k});
      inv.env[k] = v;
    }
  }
  for (const auto& m : spec.mounts) {
    argv.insert(argv.end(), {"--volume", m.host_path + ":" + m.container_path + (m.read_only ? ":ro" : ":rw")});
  }
  if (spec.command) argv.insert(argv.end(), {"--entrypoint", kube::Json(*spec.command).dump()});
  argv.push_back(spec.image);
  if (spec.args) argv.insert(argv.end(), spec.args->begin(), spec.args->end());
  return inv;
}

kube::Result<std::string> Podman::start(const RunSpec& spec) const {
  Invocation inv = run_invocation(spec, true);
  if (!inv.refused.empty()) return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, inv.refused));
  auto out = base::run({.argv = inv.argv, .env = inv.env, .timeout = std::chrono::seconds(120)});
  if (!out.ok()) return std::unexpected(reason_of("run", out));
  return trimmed(out.out);
}

kube::Result<Podman::Finished> Podman::run(const RunSpec& spec, std::chrono::seconds timeout) const {
  Invocation inv = run_invocation(spec, false);
  if (!inv.refused.empty()) return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, inv.refused));
  auto out = base::run({.argv = inv.argv, .env = inv.env, .timeout = timeout});
  if (out.timed_out) {
    // podman was killed, not its container: remove that too.
    base::run({.argv = {program_, "rm", "--force", "--time", "0", container_name(spec.pod_uid, spec.container, spec.attempt)},
               .timeout = std::chrono::seconds(60)});
    return std::unexpected(kube::make_error(kube::ErrorKind::kTimeout, "container " + spec.container + " ran longer than " +
                                                                           std::to_string(timeout.count()) + "s and was stopped"));
  }
  // podman's own failures (no such image, a bad option) exit 125-127 with "Error: " on its standard error.
  if (out.exit_code >= 125 && out.err.find("Error: ") != std::string::npos && out.out.empty()) {
    return std::unexpected(engine_error("run", out));
  }
  return Finished{.exit_code = out.exit_code, .output = out.out + out.err};
}

kube::Result<std::vector<ContainerRun>> Podman::runs(const std::string& pod_uid) const {
  std::vector<std::string> argv{program_, "ps", "--all", "--format", "json", "--filter",
                                std::string("label=") + kUidLabel + (pod_uid.empty() ? "" : "=" + pod_uid)};
  for (auto& f : owner_filters()) argv.push_back(std::move(f));
  auto out = base::run({.argv = argv, .timeout = std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("ps", out));
  auto list = kube::Json::parse(out.out, nullptr, false);
  if (!list.is_array()) return std::unexpected(kube::make_error(kube::ErrorKind::kDecode, "podman ps printed no list"));
  std::vector<std::string> ids;
  for (const auto& c : list) ids.push_back(c.value("Id", ""));
  if (ids.empty()) return std::vector<ContainerRun>{};

  // ps does not give exit times; inspect does, for all of them at once.
  std::vector<std::string> inspect{program_, "inspect", "--format", "json"};
  inspect.insert(inspect.end(), ids.begin(), ids.end());
  auto details = base::run({.argv = inspect, .timeout = std::chrono::seconds(60)});
  if (!details.ok()) return std::unexpected(engine_error("inspect", details));
  auto infos = kube::Json::parse(details.out, nullptr, false);
  if (!infos.is_array()) return std::unexpected(kube::make_error(kube::ErrorKind::kDecode, "podman inspect printed no list"));
  std::vector<ContainerRun> runs;
  for (const auto& info : infos) {
    const auto labels = info.value("Config", kube::Json::object()).value("Labels", kube::Json::object());
    const auto state = info.value("State", kube::Json::object());
    ContainerRun r;
    r.id = info.value("Id", "");
    r.container = labels.value(kContainerLabel, "");
    r.attempt = std::atoi(labels.value(kAttemptLabel, "0").c_str());
    const std::string status = state.value("Status", "");
    r.running = state.value("Running", false) || status == "running";
    r.exited = status == "exited" || status == "stopped";
    r.exit_code = state.value("ExitCode", 0);
    r.started_at = time_or_empty(state.value("StartedAt", kube::Json()));
    r.finished_at = time_or_empty(state.value("FinishedAt", kube::Json()));
    r.created = status == "created";
    if (r.created) r.finished_at = time_or_empty(info.value("Created", kube::Json()));
    runs.push_back(std::move(r));
  }
  return runs;
}

kube::Result<std::vector<std::string>> Podman::pod_uids() const {
  std::vector<std::string> argv{program_, "ps", "--all", "--format", "{{index .Labels \"" + std::string(kUidLabel) + "\"}}",
                                "--filter", std::string("label=") + kUidLabel};
  for (auto& f : owner_filters()) argv.push_back(std::move(f));
  auto out = base::run({.argv = argv, .timeout = std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("ps", out));
  std::set<std::string> uids;
  size_t start = 0;
  for (size_t nl; (nl = out.out.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (nl > start) uids.insert(out.out.substr(start, nl - start));
  }
  return std::vector<std::string>(uids.begin(), uids.end());
}

std::vector<std::string> Podman::events_command(const std::string& since) const {
  // Filtered by kind here, by owner in died_pod(): podman versions differ in how they combine two
  // label filters of events.
  return {program_, "events", "--format", "json", "--since", since, "--filter", "type=container", "--filter", "event=died"};
}

std::optional<std::string> Podman::died_pod(const std::string& event_line) const {
  const auto event = kube::Json::parse(event_line, nullptr, false);
  // A field's text, or "" when it is missing or not text: the line comes from another program.
  auto text = [](const kube::Json& object, const char* key) {
    auto it = object.is_object() ? object.find(key) : object.end();
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text(event, "Type") != "container" || text(event, "Status") != "died") return std::nullopt;
  const auto labels = event.value("Attributes", kube::Json::object());
  if (!owner_.node.empty() && text(labels, kNodeLabel) != owner_.node) return std::nullopt;
  if (!owner_.cluster.empty() && text(labels, kClusterLabel) != owner_.cluster) return std::nullopt;
  std::string uid = text(labels, kUidLabel);
  if (uid.empty()) return std::nullopt;
  return uid;
}

kube::Status Podman::start_created(const std::string& container_id) const {
  auto out = base::run({.argv = {program_, "start", container_id}, .timeout = std::chrono::seconds(120)});
  if (!out.ok()) return std::unexpected(reason_of("start", out));
  return {};
}

kube::Status Podman::stop(const std::string& container_id, std::chrono::seconds grace) const {
  auto out = base::run({.argv = {program_, "stop", "--time", std::to_string(grace.count()), container_id},
                        .timeout = grace + std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("stop", out));
  return {};
}

kube::Status Podman::remove(const std::vector<std::string>& container_ids) const {
  if (container_ids.empty()) return {};
  std::vector<std::string> argv{program_, "rm", "--force", "--time", "0"};
  argv.insert(argv.end(), container_ids.begin(), container_ids.end());
  auto out = base::run({.argv = argv, .timeout = std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("rm", out));
  return {};
}

kube::Status Podman::remove_pod(const std::string& pod_uid, std::chrono::seconds grace) const {
  auto runs_now = runs(pod_uid);
  if (!runs_now) return std::unexpected(runs_now.error());
  if (runs_now->empty()) return {};
  std::vector<std::string> argv{program_, "rm", "--force", "--time", std::to_string(grace.count())};
  for (const auto& r : *runs_now) argv.push_back(r.id);
  auto out = base::run({.argv = argv, .timeout = grace + std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("rm", out));
  return {};
}

kube::Result<std::optional<std::string>> Podman::image_user(const std::string& image) const {
  // One call: podman says "image not known" for an image this host does not have.
  auto out = base::run({.argv = {program_, "image", "inspect", "--format", "{{.Config.User}}", image},
                        .timeout = std::chrono::seconds(60)});
  if (!out.ok() && out.err.find("image not known") != std::string::npos) return std::optional<std::string>{};
  if (!out.ok()) return std::unexpected(engine_error("image inspect", out));
  return std::optional<std::string>(trimmed(out.out));
}

kube::Status Podman::pull(const std::string& image) const {
  auto out = base::run({.argv = {program_, "pull", "--quiet", image}, .timeout = std::chrono::minutes(10)});
  if (out.ok()) return {};
  return std::unexpected(reason_of("pull", out));
}

kube::Result<std::string> Podman::logs(const std::string& container_id) const {
  auto out = base::run({.argv = {program_, "logs", container_id}, .timeout = std::chrono::seconds(60)});
  if (!out.ok()) return std::unexpected(engine_error("logs", out));
  return out.out + out.err;
}

}  // namespace pave::containers
