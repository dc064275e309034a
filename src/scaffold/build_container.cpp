#include "scaffold/build_container.h"

#include <algorithm>
#include <sstream>

#include "kube/object.h"
#include "scaffold/add_container.h"

namespace pave::scaffold {
namespace {

namespace fs = std::filesystem;
using kube::Json;

using kube::invalid;

const Json& pipelines_of(const Json& promise, const std::string& lifecycle, const std::string& action) {
  return kube::child(kube::child(kube::child(kube::child(promise, "spec"), "workflows"), lifecycle.c_str()), action.c_str());
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The pipelines --all builds: every pipeline directory (workflow.yaml files are not pipelines).
std::vector<std::string> all_pipelines(const fs::path& dir) {
  std::vector<std::string> all;
  for (const char* lifecycle : {"promise", "resource"}) {
    for (const char* action : {"configure", "delete"}) {
      const fs::path workflow = dir / "workflows" / lifecycle / action;
      for (const auto& name : entries(workflow)) {
        if (fs::is_directory(workflow / name)) all.push_back(std::string(lifecycle) + "/" + action + "/" + name);
      }
    }
  }
  return all;
}

kube::Result<BuildStep> plan_one(const fs::path& dir, const Json& promise, const std::string& arg, const BuildContainerOptions& o) {
  auto ref = parse_pipeline_ref(arg);
  if (!ref) return std::unexpected(ref.error());
  const Json* pipeline = nullptr;
  for (const Json& p : pipelines_of(promise, ref->lifecycle, ref->action)) {
    if (kube::child(p, "metadata").value("name", "") == ref->pipeline) pipeline = &p;
  }
  if (!pipeline) return std::unexpected(invalid("pipeline " + arg + " not found"));
  const fs::path pipeline_dir = dir / ref->container_dir("").parent_path();
  std::error_code ec;
  if (!fs::is_directory(pipeline_dir, ec)) return std::unexpected(invalid("error reading dir: " + pipeline_dir.string()));
  const std::vector<std::string> found = entries(pipeline_dir);
  std::string name = o.name;
  if (found.empty()) return std::unexpected(invalid("no container found in path"));
  if (found.size() == 1 && !name.empty() && name != found[0]) {
    return std::unexpected(invalid("container " + name + " not found in pipeline directory"));
  }
  if (found.size() == 1) name = found[0];
  if (name.empty()) return std::unexpected(invalid("more than one container exists for this pipeline, please provide a name with --name"));
  std::string image;
  for (const Json& c : kube::child(kube::child(*pipeline, "spec"), "containers")) {
    if (c.value("name", "") == name) image = c.value("image", "");
  }
  if (image.empty()) return std::unexpected(invalid("container " + name + " not found in pipeline"));
  if (std::find(found.begin(), found.end(), name) == found.end()) {
    return std::unexpected(invalid("directory entry not found for container " + name));
  }
  BuildStep step{.message = "Building container with tag " + image + "..."};
  step.argv = {o.engine};
  if (o.buildx) step.argv.push_back("buildx");
  step.argv.insert(step.argv.end(), {"build", "--tag", image, (pipeline_dir / name).lexically_normal().string()});
  if (o.buildx && o.push) step.argv.push_back("--push");
  std::istringstream args(o.build_args);
  for (std::string a; args >> a;) step.argv.push_back(a);
  return step;
}

}  // namespace

kube::Result<std::vector<BuildStep>> plan_container_builds(const fs::path& dir, const Json& promise, const BuildContainerOptions& o) {
  bool any = false;
  for (const char* lifecycle : {"promise", "resource"}) {
    for (const char* action : {"configure", "delete"}) any = any || !pipelines_of(promise, lifecycle, action).empty();
  }
  if (!any) return std::unexpected(invalid("no workflows found"));
  std::vector<std::string> todo;
  if (o.all) todo = all_pipelines(dir);
  else if (!o.pipeline.empty()) todo = {o.pipeline};
  else return std::unexpected(invalid("expected at least 1 argument"));
  std::vector<BuildStep> steps;
  for (const auto& arg : todo) {
    auto step = plan_one(dir, promise, arg, o);
    if (!step) return std::unexpected(step.error());
    const std::string image = step->argv[o.buildx ? 4 : 3];
    steps.push_back(std::move(*step));
    if (o.push && !o.buildx) steps.push_back({.message = "Pushing container with tag " + image + "...", .argv = {o.engine, "push", image}});
  }
  return steps;
}

}  // namespace pave::scaffold
