#include "localtest/local_pipeline.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <string_view>

#include <unistd.h>

#include "adapter/contract.h"
#include "adapter/files.h"
#include "adapter/status_updater.h"
#include "adapter/work_creator.h"
#include "adapter/workflow_control.h"
#include "containers/container_security.h"
#include "containers/references.h"
#include "kube/object.h"
#include "kube/time.h"
#include "kube/yaml.h"

namespace pave::localtest {
namespace {

namespace fs = std::filesystem;
using kube::Json;
using Volumes = std::map<std::string, fs::path>;

using kube::invalid;

// Names no two runs share, so containers of runs side by side never meet.
std::string run_uid() {
  static std::atomic<int> next{0};
  return "pave-test-" + std::to_string(getpid()) + "-" + std::to_string(next++);
}

kube::Status write_text(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (auto s = adapter::write_file(file, text); !s) return s;
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read, ec);
  return {};
}

// The pod's volumes as directories: emptyDirs open to every user (as the kubelet makes them), the
// scheduling ConfigMap written from the object the Job builder made, hostPaths as they are.
kube::Result<Volumes> make_volumes(const Json& pod, const workflow::PipelineObjects& objects, const fs::path& dir) {
  Volumes volumes;
  for (const Json& v : kube::child(pod, "spec").value("volumes", Json::array())) {
    const std::string name = v.value("name", "");
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return std::unexpected(invalid("volume name \"" + name + "\" is not a plain name"));
    }
    if (v.contains("hostPath")) {
      volumes[name] = v["hostPath"].value("path", "");
      continue;
    }
    const fs::path path = dir / "volumes" / name;
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return std::unexpected(invalid("cannot create " + path.string() + ": " + ec.message()));
    volumes[name] = path;
    if (v.contains("emptyDir")) {
      fs::permissions(path, fs::perms::all, ec);
      continue;
    }
    const bool scheduling = v.contains("configMap") && objects.config_map &&
                            v["configMap"].value("name", "") == kube::meta::name(*objects.config_map);
    if (!scheduling) {
      return std::unexpected(invalid("volume \"" + name + "\" needs a cluster (pave test provides emptyDir and hostPath " +
                                     "volumes and Kratix's own); run the pipeline on the local platform instead"));
    }
    const Json& data = kube::child(*objects.config_map, "data");
    for (const Json& item : v["configMap"].value("items", Json::array())) {
      const std::string file = item.value("path", "");
      if (file.empty() || file.find('/') != std::string::npos) return std::unexpected(invalid("bad item path \"" + file + "\""));
      if (auto s = write_text(path / file, data.value(item.value("key", ""), "")); !s) return std::unexpected(s.error());
    }
  }
  return volumes;
}

// Where a container's mountPath is on this machine.
kube::Result<fs::path> host_path(const Json& container, const std::string& mount_path, const Volumes& volumes) {
  for (const Json& m : container.value("volumeMounts", Json::array())) {
    if (m.value("mountPath", "") != mount_path) continue;
    auto v = volumes.find(m.value("name", ""));
    if (v != volumes.end()) return v->second;
  }
  return std::unexpected(invalid("container " + container.value("name", "") + " mounts nothing at " + mount_path));
}

// Whether path, its links resolved, is dir or below it.
bool inside(const fs::path& dir, const fs::path& path) {
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(dir, ec);
  const fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return false;
  auto [end, _] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  return end == base.end();
}

// The adapter's steps run here, on this machine's files, where a container's symbolic link would point
// at this machine's files rather than the container's: a link that leaves its volume is refused.
kube::Status refuse_escaping_links(const fs::path& volume) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(volume, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink() && !inside(volume, it->path())) {
      return std::unexpected(invalid("the pipeline left " + it->path().lexically_relative(volume).string() +
                                     ", a link to outside its volume, which pave test does not follow"));
    }
  }
  return {};
}

// What a fieldRef reads from the pod: its name, namespace, a label or an annotation.
kube::Result<std::string> field_value(const Json& pod, const std::string& path) {
  const Json& meta = kube::child(pod, "metadata");
  if (path == "metadata.name") return meta.value("name", "");
  if (path == "metadata.namespace") return meta.value("namespace", "");
  for (const char* field : {"labels", "annotations"}) {
    const std::string prefix = std::string("metadata.") + field + "['";
    if (path.starts_with(prefix) && path.ends_with("']")) {
      return kube::child(meta, field).value(path.substr(prefix.size(), path.size() - prefix.size() - 2), "");
    }
  }
  return std::unexpected(invalid("fieldRef " + path + " needs a cluster"));
}

// The user container as podman runs it: the Job's env (in order, $(VAR) expanded), command, args, mounts
// and security context. No resource limits: the author's machine is not the cluster's node.
kube::Result<containers::RunSpec> user_run_spec(const Json& pod, const Json& container, const Volumes& volumes,
                                                const std::string& uid) {
  containers::RunSpec spec{.pod_uid = uid, .container = container.value("name", ""), .image = container.value("image", ""),
                           .working_dir = container.value("workingDir", ""),
                           .security = containers::security_options(pod, container, "")};
  std::map<std::string, std::string> vars;
  for (const Json& e : container.value("env", Json::array())) {
    if (!e.is_object() || !e.value("name", Json()).is_string() || (e.contains("value") && !e["value"].is_string())) {
      return std::unexpected(invalid("env of container " + spec.container + ": each entry needs a name and a string value"));
    }
    const std::string name = e.value("name", "");
    std::string value;
    if (e.contains("valueFrom")) {
      const Json& from = e["valueFrom"];
      if (!from.contains("fieldRef")) {
        return std::unexpected(invalid("env " + name + " reads a Secret or ConfigMap, which needs a cluster"));
      }
      auto v = field_value(pod, from["fieldRef"].value("fieldPath", ""));
      if (!v) return std::unexpected(v.error());
      value = *v;
    } else {
      value = containers::expand_references(e.value("value", ""), vars);
    }
    vars[name] = value;
    spec.env.emplace_back(name, value);
  }
  if (container.contains("envFrom")) return std::unexpected(invalid("envFrom needs a cluster"));
  for (const char* field : {"command", "args"}) {
    if (!container.contains(field)) continue;
    const Json& list = container[field];
    std::vector<std::string> out;
    for (const Json& s : list.is_array() ? list : Json::array({list})) {
      if (!s.is_string()) return std::unexpected(invalid(std::string(field) + " of container " + spec.container + " must be strings"));
      out.push_back(containers::expand_references(s.get<std::string>(), vars));
    }
    (std::string_view(field) == "command" ? spec.command : spec.args) = std::move(out);
  }
  for (const Json& m : container.value("volumeMounts", Json::array())) {
    auto v = volumes.find(m.value("name", ""));
    if (v == volumes.end()) return std::unexpected(invalid("volumeMount of unknown volume " + m.value("name", "")));
    fs::path host = v->second;
    if (const std::string sub = m.value("subPath", ""); !sub.empty()) {
      host = v->second / sub;
      std::error_code ec;
      fs::create_directories(host, ec);
      // An earlier container may have left a link at the subPath: resolved, it must stay in the volume.
      if (!inside(v->second, host)) return std::unexpected(invalid("subPath \"" + sub + "\" leaves its volume"));
    }
    spec.mounts.push_back({host.string(), m.value("mountPath", ""), m.value("readOnly", false)});
  }
  return spec;
}

std::vector<OutputFile> list_files(const fs::path& dir) {
  std::vector<OutputFile> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back({fs::relative(it->path(), dir).string(), it->file_size()});
  }
  std::sort(files.begin(), files.end(), [](const OutputFile& a, const OutputFile& b) { return a.path < b.path; });
  return files;
}

// The work-creator's flags as the Job passes them, with the input directory this machine's view of its
// mounts: <view>/input, /metadata and /kratix-system link to the volumes the container mounts there.
kube::Result<adapter::WorkCreatorOptions> work_creator_options(const Json& container, const Volumes& volumes, const fs::path& view) {
  adapter::WorkCreatorOptions o;
  const Json args = container.value("args", Json::array());
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    const std::string flag = args[i].get<std::string>();
    const std::string value = args[i + 1].get<std::string>();
    if (flag == "--input-directory") o.input_directory = value;
    else if (flag == "--promise-name") o.promise_name = value;
    else if (flag == "--pipeline-name") o.pipeline_name = value;
    else if (flag == "--namespace") o.namespace_ = value;
    else if (flag == "--workflow-type") o.workflow_type = value;
    else if (flag == "--resource-name") o.resource_name = value;
    else if (flag == "--resource-namespace") o.resource_namespace = value;
    else return std::unexpected(invalid("the work-writer has a flag pave test does not know: " + flag));
  }
  std::error_code ec;
  fs::create_directories(view, ec);
  const std::string prefix = o.input_directory + "/";
  for (const Json& m : container.value("volumeMounts", Json::array())) {
    const std::string path = m.value("mountPath", "");
    auto v = volumes.find(m.value("name", ""));
    if (!path.starts_with(prefix) || v == volumes.end()) continue;
    fs::create_directory_symlink(v->second, view / path.substr(prefix.size()), ec);
    if (ec) return std::unexpected(invalid("cannot link " + path + ": " + ec.message()));
  }
  o.input_directory = view.string();
  return o;
}

class PipelineExecution {
 public:
  PipelineExecution(const workflow::PipelineRun& run, const LocalRunner& runner) : run_(run), runner_(runner) {}

  kube::Result<PipelineOutcome> execute() {
    auto objects = workflow::build_pipeline_objects(run_);
    if (!objects) return std::unexpected(objects.error());
    pod_ = kube::child(kube::child(objects->job, "spec"), "template");
    pod_["metadata"]["name"] = kube::meta::name(objects->job) + "-local";
    pod_["metadata"]["namespace"] = objects->ns;
    // By position, not by name: names come from the Promise, and no name may choose a host path.
    const fs::path dir = runner_.work_dir / (std::string(workflow::to_string(run_.type)) + "-" + std::to_string(run_.index));
    std::error_code ec;
    fs::remove_all(dir, ec);
    auto volumes = make_volumes(pod_, *objects, dir);
    if (!volumes) return std::unexpected(volumes.error());
    volumes_ = std::move(*volumes);
    outcome_.name = run_.pipeline.name;
    outcome_.status = kube::child(run_.object, "status");

    for (const Json& c : kube::child(pod_, "spec").value("initContainers", Json::array())) {
      auto step = run_container(c, dir);
      if (!step) return std::unexpected(step.error());
      if (!*step) return finish();
    }
    for (const Json& c : kube::child(pod_, "spec").value("containers", Json::array())) {
      auto step = run_container(c, dir);
      if (!step) return std::unexpected(step.error());
      if (!*step) return finish();
    }
    outcome_.succeeded = true;
    return finish();
  }

 private:
  bool adapter_step(const Json& c) const {
    const Json command = c.value("command", Json::array());
    return !command.empty() && command[0] == workflow::kAdapterBinary && c.value("image", "") == run_.adapter_image;
  }

  // Runs one of the pod's containers; false when the pipeline stops there.
  kube::Result<bool> run_container(const Json& c, const fs::path& dir) {
    if (!adapter_step(c)) return run_user_container(c);
    for (const auto& [name, path] : volumes_) {
      if (!path.string().starts_with(dir.string())) continue;  // hostPaths are the author's own
      if (auto s = refuse_escaping_links(path); !s) {
        outcome_.error = s.error().message;
        return false;
      }
    }
    const Json args = c.value("args", Json::array());
    const std::string step = args.empty() ? "" : args[0].get<std::string>();
    if (step == "reader") return read_object(c);
    if (step == "work-creator") return create_work(c, dir / "work-creator-files");
    if (step == "update-status") return update_status(c);
    return std::unexpected(invalid("the Job runs an adapter step pave test does not know: " + step));
  }

  kube::Result<bool> read_object(const Json& c) {
    auto input = host_path(c, "/kratix/input", volumes_);
    if (!input) return std::unexpected(input.error());
    if (auto s = write_text(*input / adapter::kObjectFile, kube::to_yaml(run_.object)); !s) return std::unexpected(s.error());
    return true;
  }

  kube::Result<bool> run_user_container(const Json& c) {
    if (runner_.stop && runner_.stop->load()) return std::unexpected(kube::make_error(kube::ErrorKind::kOther, "interrupted"));
    auto spec = user_run_spec(pod_, c, volumes_, run_uid());
    if (!spec) return std::unexpected(spec.error());
    auto user = runner_.podman.image_user(spec->image);
    if (!user) return std::unexpected(user.error());
    if (!*user) {
      return std::unexpected(invalid("image " + spec->image + " (container " + spec->container +
                                     ") is not on this machine: build it (pave build container) or pull it"));
    }
    spec->image_user = **user;
    if (auto refused = containers::verify_run_as_non_root(pod_, c, spec->security, **user)) {
      outcome_.error = "container " + spec->container + ": " + *refused;
      return false;
    }
    if (runner_.progress) {
      runner_.progress(std::string(workflow::to_string(run_.type)) + ".configure/" + run_.pipeline.name + ": container " +
                       spec->container + " (" + spec->image + ")");
    }
    const auto started = std::chrono::steady_clock::now();
    auto finished = runner_.podman.run(*spec, runner_.timeout);
    if (!finished && finished.error().kind == kube::ErrorKind::kTimeout) {
      outcome_.error = finished.error().message;
      return false;
    }
    if (!finished) return std::unexpected(finished.error());
    outcome_.containers.push_back({.name = spec->container, .image = spec->image, .exit_code = finished->exit_code,
                                   .log = finished->output,
                                   .duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now() - started)});
    if (finished->exit_code == 0) return true;
    outcome_.error = "container " + spec->container + " exited with code " + std::to_string(finished->exit_code);
    return false;
  }

  kube::Result<bool> create_work(const Json& c, const fs::path& view) {
    auto options = work_creator_options(c, volumes_, view);
    if (!options) return std::unexpected(options.error());
    auto work = adapter::build_work(*options, kube::format_rfc3339(runner_.now));
    if (!work) {
      outcome_.error = "work-writer: " + work.error().message;
      return false;
    }
    outcome_.work = *work;
    return true;
  }

  kube::Result<bool> update_status(const Json& c) {
    auto metadata = host_path(c, std::string(adapter::kWorkCreatorFiles) + "/" + adapter::kMetadataDir, volumes_);
    if (!metadata) return std::unexpected(metadata.error());
    auto incoming = adapter::read_incoming_status(*metadata / adapter::kStatusFile);
    auto control = adapter::read_workflow_control(*metadata / adapter::kWorkflowControlFile);
    if (!incoming || !control) {
      outcome_.error = "status-writer: " + (!incoming ? incoming.error().message : control.error().message);
      return false;
    }
    auto plan = adapter::plan_status_update({.object = run_.object, .incoming = *incoming, .control = *control,
                                             .workflow_type = std::string(workflow::to_string(run_.type)),
                                             .workflow_action = std::string(workflow::to_string(run_.action)),
                                             .pipeline_name = run_.pipeline.name,
                                             .is_last_pipeline = run_.index + 1 == run_.count, .now = runner_.now});
    if (!plan) {
      outcome_.error = "status-writer: " + plan.error().message;
      return false;
    }
    outcome_.status = std::move(plan->status);
    outcome_.suspended = plan->suspend_label;
    outcome_.warnings = std::move(plan->warnings);
    return true;
  }

  PipelineOutcome finish() {
    for (auto [mount, list] : {std::pair{"/kratix/output", &outcome_.output}, std::pair{"/kratix/metadata", &outcome_.metadata}}) {
      for (const Json& c : kube::child(pod_, "spec").value("initContainers", Json::array())) {
        if (adapter_step(c)) continue;
        if (auto path = host_path(c, mount, volumes_)) *list = list_files(*path);
        break;
      }
    }
    return std::move(outcome_);
  }

  const workflow::PipelineRun& run_;
  const LocalRunner& runner_;
  Json pod_;
  Volumes volumes_;
  PipelineOutcome outcome_;
};

}  // namespace

kube::Result<PipelineOutcome> run_pipeline(const workflow::PipelineRun& run, const LocalRunner& runner) {
  return PipelineExecution(run, runner).execute();
}

}  // namespace pave::localtest
