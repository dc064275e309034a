#include "cli/test_command.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "api/kratix.h"
#include "base/temp_dir.h"
#include "cli/cluster_client.h"
#include "kube/object.h"
#include "kube/yaml.h"
#include "localtest/local_workflow.h"
#include "localtest/placement_preview.h"
#include "localtest/report.h"
#include "scaffold/promise_dir.h"

namespace pave::cli {
namespace {

namespace fs = std::filesystem;
using kube::Json;

struct Inputs {
  localtest::LocalTestInput test;
  std::vector<Json> destinations;
  std::vector<Json> stores;
  std::vector<fs::path> watched;  // files and directories whose changes rerun the test
};

using kube::invalid;

kube::Result<Json> load_promise(const TestFlags& flags) {
  const fs::path path(flags.promise);
  if (fs::is_directory(path)) {
    std::string name = flags.name;
    if (name.empty() && !fs::exists(path / scaffold::kPromiseFile)) name = fs::weakly_canonical(fs::absolute(path)).filename().string();
    return scaffold::assemble_promise(path, name);
  }
  auto promise = scaffold::read_yaml_file(path);
  if (!promise) return std::unexpected(promise.error());
  if (!promise->is_object() || promise->value("kind", "") != "Promise") return std::unexpected(invalid(flags.promise + " is not a Promise"));
  return promise;
}

// Destinations and state stores from a file of objects (several documents, or a List).
kube::Status load_destinations_file(const std::string& file, Inputs& in) {
  std::ifstream f(file);
  if (!f) return std::unexpected(invalid("cannot read " + file));
  std::stringstream text;
  text << f.rdbuf();
  auto docs = kube::parse_yaml_documents(text.str(), kube::YamlReading::kKubectl);
  if (!docs) return std::unexpected(invalid(file + ": " + docs.error().message));
  std::vector<Json> objects;
  for (const Json& d : *docs) {
    if (d.value("kind", "") == "List") {
      for (const Json& item : d.value("items", Json::array())) objects.push_back(item);
    } else {
      objects.push_back(d);
    }
  }
  for (const Json& o : objects) {
    const std::string kind = o.value("kind", "");
    if (kind == "Destination") in.destinations.push_back(o);
    else if (kind == "GitStateStore" || kind == "BucketStateStore") in.stores.push_back(o);
  }
  if (in.destinations.empty()) return std::unexpected(invalid(file + " holds no Destination"));
  return {};
}

kube::Status load_destinations_cluster(const std::string& kubeconfig, Inputs& in) {
  auto client = client_for(kubeconfig);
  if (!client) return std::unexpected(client.error());
  auto destinations = client->list_all(api::destinations(), "");
  if (!destinations) return std::unexpected(destinations.error());
  in.destinations = destinations->items;
  for (const auto& r : {api::git_state_stores(), api::bucket_state_stores()}) {
    auto stores = client->list_all(r, "");
    if (!stores) return std::unexpected(stores.error());
    for (Json s : stores->items) {
      s["kind"] = r.kind;  // list items carry no kind
      in.stores.push_back(std::move(s));
    }
  }
  for (Json& d : in.destinations) d["kind"] = "Destination";
  return {};
}

kube::Result<Inputs> load_inputs(const TestFlags& flags) {
  Inputs in;
  auto promise = load_promise(flags);
  if (!promise) return std::unexpected(promise.error());
  in.test.promise = std::move(*promise);
  in.watched.push_back(flags.promise);
  std::string request = flags.request;
  const fs::path example = fs::path(flags.promise) / scaffold::kExampleResourceFile;
  if (request.empty() && !flags.no_request && fs::is_directory(flags.promise) && fs::exists(example)) request = example.string();
  if (!request.empty() && !flags.no_request) {
    auto r = scaffold::read_yaml_file(request);
    if (!r) return std::unexpected(r.error());
    if (!r->is_object()) return std::unexpected(invalid(request + " is not an object"));
    in.test.request = std::move(*r);
    in.watched.push_back(request);
  }
  if (!flags.destinations.empty()) {
    if (auto s = load_destinations_file(flags.destinations, in); !s) return std::unexpected(s.error());
    in.watched.push_back(flags.destinations);
  } else if (!flags.kubeconfig.empty()) {
    if (auto s = load_destinations_cluster(flags.kubeconfig, in); !s) return std::unexpected(s.error());
  }
  return in;
}

std::atomic<bool> g_stop{false};

int run_once_or_throw(const TestFlags& flags);

int run_once(const TestFlags& flags) {
  try {
    return run_once_or_throw(flags);
  } catch (const std::exception& e) {  // a value of the wrong type somewhere in the input
    std::cerr << "pave test: " << e.what() << "\n";
    return 2;
  }
}

int run_once_or_throw(const TestFlags& flags) {
  auto in = load_inputs(flags);
  if (!in) {
    std::cerr << "pave test: " << in.error().message << "\n";
    return 2;
  }
  auto dir = base::TempDir::create("pave-test");
  if (!dir) {
    std::cerr << "pave test: " << dir.error() << "\n";
    return 2;
  }
  localtest::LocalRunner runner{.podman = containers::Podman({.node = "pave-test"}), .work_dir = dir->path(),
                                .timeout = std::chrono::seconds(flags.timeout_seconds), .stop = &g_stop};
  // Progress on a terminal only: standard output stays the report, standard error stays quiet in scripts.
  if (::isatty(STDERR_FILENO)) runner.progress = [](const std::string& step) { std::cerr << "running " << step << "\n"; };
  auto run = localtest::run_workflows(in->test, runner);
  if (!run) {
    std::cerr << "pave test: " << run.error().message << "\n";
    return 2;
  }
  const auto preview = localtest::preview_placements(run->works, in->destinations, in->stores);
  localtest::finish_statuses(*run, preview);
  if (flags.output == "json") std::cout << localtest::render_json(*run, preview).dump(2) << "\n";
  else if (flags.output == "yaml") std::cout << kube::to_yaml(localtest::render_json(*run, preview));
  else {
    std::cout << localtest::render_text(*run, preview);
    if (in->destinations.empty()) std::cout << "(no Destinations given: --destinations FILE or --kubeconfig K shows where Works land)\n";
  }
  std::cout.flush();
  return localtest::all_completed(*run, preview) ? 0 : 1;
}

// Every file below the watched paths, with its modification time and size.
std::map<std::string, std::pair<fs::file_time_type, uintmax_t>> snapshot(const std::vector<fs::path>& paths) {
  std::map<std::string, std::pair<fs::file_time_type, uintmax_t>> files;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    if (fs::is_regular_file(p, ec)) files[p.string()] = {fs::last_write_time(p, ec), fs::file_size(p, ec)};
  };
  for (const auto& p : paths) {
    if (!fs::is_directory(p, ec)) {
      add(p);
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      add(it->path());
    }
  }
  return files;
}

// Whether a file is one a container's image is built from (workflows/<lifecycle>/<action>/<pipeline>/<container>/...).
bool image_source(const std::string& path) {
  const size_t at = path.find("/workflows/");
  if (at == std::string::npos) return false;
  const fs::path rest = path.substr(at + 11);
  return std::distance(rest.begin(), rest.end()) > 4;
}

int watch(const TestFlags& flags) {
  std::vector<fs::path> paths = {flags.promise};
  if (!flags.request.empty()) paths.push_back(flags.request);
  if (!flags.destinations.empty()) paths.push_back(flags.destinations);
  auto seen = snapshot(paths);
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const int code = run_once(flags);
    if (g_stop) return 130;
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << fmt::format("--- {} in {:.2f}s; watching {} for changes (Ctrl-C to stop)\n",
                             code == 0 ? "completed" : "not completed", took, flags.promise)
              << std::flush;
    for (;;) {
      if (g_stop) return 130;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto now = snapshot(paths);
      if (now == seen) continue;
      for (const auto& [path, stamp] : now) {
        auto before = seen.find(path);
        const bool changed = before == seen.end() || before->second != stamp;
        if (changed && image_source(path)) {
          std::cout << "note: " << path << " is part of a container's image; pave test runs images as built: rebuild it "
                    << "with pave build container\n";
        }
      }
      seen = std::move(now);
      break;
    }
  }
}

}  // namespace

CLI::App* add_test_command(CLI::App& app, TestFlags& flags) {
  auto* test = app.add_subcommand("test", "run a Promise's configure pipelines on this machine and show where their output would go");
  test->add_option("promise", flags.promise, "a Promise file, or a promise directory (promise.yaml or the split files)")->required();
  test->add_option("--name", flags.name, "the Promise's name for a split directory (default: the directory's name)");
  test->add_option("--request,-r", flags.request, "a resource request (default: the directory's example-resource.yaml)");
  test->add_flag("--no-request", flags.no_request, "run the promise workflows only");
  test->add_option("--destinations", flags.destinations, "a file of Destinations (and their GitStateStores/BucketStateStores)");
  test->add_option("--kubeconfig", flags.kubeconfig, "read Destinations and state stores from this platform cluster");
  test->add_option("--output,-o", flags.output, "text, json or yaml")->check(CLI::IsMember({"text", "json", "yaml"}));
  test->add_flag("--watch,-w", flags.watch, "run again whenever the promise's files change");
  test->add_option("--timeout", flags.timeout_seconds, "seconds a container may run")->check(CLI::PositiveNumber);
  test->get_option("--destinations")->excludes("--kubeconfig");
  return test;
}

int run_test(const TestFlags& flags) {
  // Ctrl-C stops after the running container (podman passes the signal on and removes it), so the work
  // directory goes too.
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  const int code = flags.watch ? watch(flags) : run_once(flags);
  return g_stop ? 130 : code;
}

}  // namespace pave::cli
