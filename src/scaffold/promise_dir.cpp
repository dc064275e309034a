#include "scaffold/promise_dir.h"

#include <fstream>
#include <sstream>

#include "api/kratix.h"
#include "kube/object.h"
#include "kube/yaml.h"

namespace pave::scaffold {
namespace {

namespace fs = std::filesystem;
using kube::Json;

using kube::invalid;

kube::Result<std::string> read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound, "cannot read " + file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A file that holds a YAML list (or nothing): its items.
kube::Result<Json> read_list(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return std::unexpected(text.error());
  auto doc = kube::parse_yaml(*text, kube::YamlReading::kKubectl);
  if (!doc) return std::unexpected(invalid(file.string() + ": " + doc.error().message));
  if (doc->is_null()) return Json::array();
  if (!doc->is_array()) return std::unexpected(invalid(file.string() + " must hold a list"));
  return *doc;
}

}  // namespace

fs::path workflow_file(std::string_view lifecycle, std::string_view action) {
  return fs::path("workflows") / lifecycle / action / "workflow.yaml";
}

kube::Result<Json> read_yaml_file(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return std::unexpected(text.error());
  auto doc = kube::parse_yaml(*text, kube::YamlReading::kKubectl);
  if (!doc) return std::unexpected(invalid(file.string() + ": " + doc.error().message));
  return *doc;
}

kube::Status write_text_file(const fs::path& file, std::string_view text) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return std::unexpected(invalid("cannot write " + file.string()));
  return {};
}

kube::Status write_yaml_file(const fs::path& file, const Json& value) { return write_text_file(file, kube::to_yaml(value)); }

kube::Result<Json> assemble_promise(const fs::path& dir, const std::string& name) {
  Json promise = Json::object();
  if (fs::exists(dir / kPromiseFile)) {
    auto read = read_yaml_file(dir / kPromiseFile);
    if (!read) return std::unexpected(read.error());
    if (!read->is_object()) return std::unexpected(invalid((dir / kPromiseFile).string() + " is not a Promise"));
    promise = std::move(*read);
  }
  for (const char* lifecycle : {"promise", "resource"}) {
    for (const char* action : {"configure", "delete"}) {
      const fs::path file = dir / workflow_file(lifecycle, action);
      if (!fs::exists(file)) continue;
      auto pipelines = read_list(file);
      if (!pipelines) {
        return std::unexpected(invalid(std::string("failed to get ") + lifecycle + " " + action + " workflow: " +
                                       pipelines.error().message));
      }
      promise["spec"]["workflows"][lifecycle][action] = std::move(*pipelines);
    }
  }
  promise["apiVersion"] = api::kApiVersion;
  promise["kind"] = "Promise";
  if (!name.empty()) promise["metadata"]["name"] = name;
  if (fs::exists(dir / kApiFile) && fs::file_size(dir / kApiFile) > 0) {
    auto crd = read_yaml_file(dir / kApiFile);
    if (!crd) return std::unexpected(crd.error());
    if (!crd->is_null()) promise["spec"]["api"] = std::move(*crd);
  }
  if (fs::exists(dir / kDependenciesFile)) {
    auto deps = read_list(dir / kDependenciesFile);
    if (!deps) return std::unexpected(deps.error());
    if (!deps->empty()) promise["spec"]["dependencies"] = std::move(*deps);
  }
  if (!promise.contains("metadata") || !promise["metadata"].contains("name")) {
    return std::unexpected(invalid("the Promise has no name: give one"));
  }
  return promise;
}

}  // namespace pave::scaffold
