#include "cli/author_commands.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <sys/wait.h>
#include <unistd.h>

#include "kube/yaml.h"
#include "scaffold/add_container.h"
#include "scaffold/build_container.h"
#include "scaffold/init_promise.h"
#include "scaffold/promise_dir.h"
#include "scaffold/promise_updates.h"

namespace pave::cli {
namespace {

namespace fs = std::filesystem;

int fail(const std::string& why) {
  std::cerr << "Error: " << why << "\n";
  return 1;
}

int print(const kube::Result<std::vector<std::string>>& lines) {
  if (!lines) return fail(lines.error().message);
  for (const auto& line : *lines) std::cout << line << "\n";
  return 0;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string dirs = path;
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (::access((dirs.substr(start, end - start) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Runs a command with this process's standard output and error, so a build shows its progress.
int run_attached(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::cout.flush();
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

struct AuthorCommands::Flags {
  std::string dir = ".";
  scaffold::InitPromiseOptions init;
  std::string pipeline;
  scaffold::AddContainerOptions container;
  scaffold::ApiUpdate api;
  std::string dependencies_path;
  std::string dependencies_image;
  std::string selector;
  std::string promise_name;
  std::string output;
  scaffold::BuildContainerOptions build;
  CLI::App* init_promise = nullptr;
  CLI::App* update_api = nullptr;
  CLI::App* update_dependencies = nullptr;
  CLI::App* build_promise = nullptr;
};

AuthorCommands::AuthorCommands(CLI::App& app) : flags_(std::make_shared<Flags>()) {
  Flags& f = *flags_;
  auto dir_option = [&f](CLI::App* cmd) { cmd->add_option("--dir,-d", f.dir, "the promise's directory (default .)"); };

  init_ = app.add_subcommand("init", "create a promise directory");
  init_->require_subcommand(1);
  f.init_promise = init_->add_subcommand("promise", "a new Promise: promise.yaml (or the split files), an example request, a README");
  f.init_promise->add_option("name", f.init.name, "the Promise's name")->required();
  f.init_promise->add_option("--group,-g", f.init.group, "the API's group")->required();
  f.init_promise->add_option("--kind,-k", f.init.kind, "the API's kind")->required();
  f.init_promise->add_option("--version,-v", f.init.version, "the API's version (default v1alpha1)");
  f.init_promise->add_option("--plural", f.init.plural, "the API's plural (default: lower-case kind + s)");
  f.init_promise->add_flag("--split", f.init.split, "api.yaml and dependencies.yaml instead of one promise.yaml");
  dir_option(f.init_promise);

  add_ = app.add_subcommand("add", "add to a promise directory");
  add_->require_subcommand(1);
  auto* container = add_->add_subcommand("container", "a container in a workflow's pipeline, with its Dockerfile and script");
  container->add_option("pipeline", f.pipeline, "LIFECYCLE/ACTION/PIPELINE-NAME, e.g. resource/configure/instance")->required();
  container->add_option("--image,-i", f.container.image, "the container's image")->required();
  container->add_option("--name,-n", f.container.name, "the container's name (default: from the image)");
  container->add_option("--language,-l", f.container.language, "bash, go or python");
  dir_option(container);

  update_ = app.add_subcommand("update", "change a promise directory");
  update_->require_subcommand(1);
  f.update_api = update_->add_subcommand("api", "change the Promise's API: properties of its spec, group, kind, version, plural");
  f.update_api->add_option("--property,-p", f.api.properties, "NAME:TYPE, PATH.TO.NAME:TYPE or NAME- (remove); repeatable");
  f.update_api->add_option("--group,-g", f.api.group, "the API's group");
  f.update_api->add_option("--kind,-k", f.api.kind, "the API's kind");
  f.update_api->add_option("--version,-v", f.api.version, "the API's (first) version");
  f.update_api->add_option("--plural", f.api.plural, "the API's plural");
  dir_option(f.update_api);
  f.update_dependencies = update_->add_subcommand("dependencies", "the Promise's dependencies from YAML files");
  f.update_dependencies->add_option("path", f.dependencies_path, "a YAML file, or a directory of them")->required();
  f.update_dependencies->add_option("--image,-i", f.dependencies_image,
                                    "carry them in a promise.configure workflow of this image instead of spec.dependencies");
  dir_option(f.update_dependencies);
  auto* selector = update_->add_subcommand("destination-selector", "a label of the Promise's destination selector");
  selector->add_option("selector", f.selector, "KEY=VALUE to set, KEY- to remove")->required();
  dir_option(selector);

  build_ = app.add_subcommand("build", "build a promise directory's Promise or container images");
  build_->require_subcommand(1);
  f.build_promise = build_->add_subcommand("promise", "one Promise from the directory's files, to standard output or --output");
  f.build_promise->add_option("name", f.promise_name, "the Promise's name")->required();
  f.build_promise->add_option("--output,-o", f.output, "write it to this file");
  dir_option(f.build_promise);
  auto* build_container = build_->add_subcommand("container", "the image of a container made with `add container`");
  build_container->add_option("pipeline", f.build.pipeline, "LIFECYCLE/ACTION/PIPELINE-NAME");
  build_container->add_option("--name,-n", f.build.name, "the container, when the pipeline has several");
  build_container->add_flag("--all,-a", f.build.all, "every container of every workflow");
  f.build.engine = on_path("podman") || !on_path("docker") ? "podman" : "docker";
  build_container->add_option("--engine,-e", f.build.engine, "podman or docker (default: podman when installed, else docker)");
  build_container->add_flag("--buildx", f.build.buildx, "build with buildx");
  build_container->add_option("--build-args", f.build.build_args, "more arguments for the build, after its context");
  build_container->add_flag("--push", f.build.push, "push the image once built");
  dir_option(build_container);
}

bool AuthorCommands::chosen() const { return init_->parsed() || add_->parsed() || update_->parsed() || build_->parsed(); }

int AuthorCommands::run() const {
  try {
    return run_chosen();
  } catch (const std::exception& e) {  // a value of the wrong type in one of the directory's files
    return fail(e.what());
  }
}

int AuthorCommands::run_chosen() const {
  const Flags& f = *flags_;
  const fs::path dir = f.dir;
  if (init_->parsed()) {
    auto message = scaffold::init_promise(f.init, dir);
    if (!message) return fail(message.error().message);
    std::cout << *message << "\n";
    return 0;
  }
  if (add_->parsed()) {
    auto ref = scaffold::parse_pipeline_ref(f.pipeline);
    if (!ref) return fail(ref.error().message);
    scaffold::AddContainerOptions options = f.container;
    options.ref = *ref;
    return print(scaffold::add_container(dir, options));
  }
  if (update_->parsed()) {
    if (f.update_api->parsed()) return print(scaffold::update_api(dir, f.api));
    if (f.update_dependencies->parsed()) return print(scaffold::update_dependencies(dir, f.dependencies_path, f.dependencies_image));
    return print(scaffold::update_destination_selector(dir, f.selector));
  }
  const bool split = !fs::exists(dir / scaffold::kPromiseFile);
  if (split) std::cerr << "No promise.yaml found, assuming --split was used to initialise the Promise\n";
  if (f.build_promise->parsed()) {
    auto promise = scaffold::assemble_promise(dir, f.promise_name);
    if (!promise) return fail(promise.error().message);
    if (f.output.empty()) {
      std::cout << kube::to_yaml(*promise);
      return 0;
    }
    auto written = scaffold::write_yaml_file(f.output, *promise);
    return written ? 0 : fail(written.error().message);
  }
  if (f.build.engine != "docker" && f.build.engine != "podman") return fail("unsupported container engine: " + f.build.engine);
  if (!on_path(f.build.engine)) return fail(f.build.engine + " CLI not found in PATH");
  auto promise = scaffold::assemble_promise(dir, "promise");
  if (!promise) return fail(promise.error().message);
  auto steps = scaffold::plan_container_builds(dir, *promise, f.build);
  if (!steps) return fail(steps.error().message);
  for (const auto& step : *steps) {
    std::cout << step.message << "\n";
    if (const int code = run_attached(step.argv); code != 0) {
      return fail(step.argv[0] + " " + step.argv[1] + " failed with exit code " + std::to_string(code));
    }
  }
  return 0;
}

}  // namespace pave::cli
