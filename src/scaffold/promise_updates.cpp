#include "scaffold/promise_updates.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "kube/object.h"
#include "kube/yaml.h"
#include "scaffold/add_container.h"
#include "scaffold/init_promise.h"
#include "scaffold/promise_dir.h"

namespace pave::scaffold {
namespace {

namespace fs = std::filesystem;
using kube::Json;

using kube::invalid;

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = s.find(by, start)) != std::string::npos; start = at + 1) parts.push_back(s.substr(start, at - start));
  parts.push_back(s.substr(start));
  return parts;
}

bool has_properties(const Json& schema) { return schema.is_object() && schema.contains("properties") && !schema["properties"].is_null(); }

// The removal of path.to.prop: nothing when an object on the way has no properties.
void remove_property(Json& spec, const std::vector<std::string>& path) {
  Json* at = &spec;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!has_properties(*at) || !(*at)["properties"].contains(path[i])) return;
    at = &(*at)["properties"][path[i]];
  }
  if (has_properties(*at)) (*at)["properties"].erase(path.back());
}

kube::Status add_property(Json& spec, const std::vector<std::string>& path, const std::string& type) {
  static const std::set<std::string> kTypes = {"string", "number", "integer", "object", "boolean"};
  if (!kTypes.contains(type)) return std::unexpected(invalid("unsupported property type: " + type));
  Json* at = &spec;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    Json& next = (*at)["properties"][path[i]];
    if (!has_properties(next)) {
      next = {{"type", "object"}, {"properties", Json::object()}};
    } else if (next.value("type", "") != "object") {
      return std::unexpected(invalid("nested field " + path[i] + " is not an object"));
    }
    at = &next;
  }
  (*at)["properties"][path.back()] = {{"type", type}};
  return {};
}

kube::Status apply_property(Json& spec, const std::string& property) {
  const std::vector<std::string> parts = split(property, ':');
  if (parts.size() == 2) return add_property(spec, split(parts[0], '.'), parts[1]);
  if (!property.ends_with('-')) return std::unexpected(invalid("invalid property format: " + property));
  std::string name = property;
  while (!name.empty() && name.back() == '-') name.pop_back();
  remove_property(spec, split(name, '.'));
  return {};
}

// The apiVersion and kind an example resource of the CRD has.
void retarget_example(Json& example, const Json& crd) {
  const Json& spec = kube::child(crd, "spec");
  const Json& versions = kube::child(spec, "versions");
  const std::string version = versions.is_array() && !versions.empty() ? versions[0].value("name", "") : "";
  example["apiVersion"] = spec.value("group", "") + "/" + version;
  example["kind"] = kube::child(spec, "names").value("kind", "");
}

}  // namespace

kube::Status update_crd(Json& crd, const ApiUpdate& u) {
  Json& spec = crd["spec"];
  if (!u.kind.empty()) {
    spec["names"]["kind"] = u.kind;
    spec["names"]["singular"] = singular_of(u.kind);
  }
  if (!u.version.empty()) {
    if (!spec["versions"].is_array() || spec["versions"].empty()) return std::unexpected(invalid("the API has no version to rename"));
    spec["versions"][0]["name"] = u.version;
  }
  if (!u.group.empty()) spec["group"] = u.group;
  if (!u.plural.empty()) spec["names"]["plural"] = u.plural;
  if (!u.kind.empty() || !u.version.empty() || !u.group.empty() || !u.plural.empty()) {
    crd["metadata"]["name"] = kube::child(spec, "names").value("plural", "") + "." + spec.value("group", "");
  }
  if (!spec["versions"].is_array() || spec["versions"].empty()) return std::unexpected(invalid("the API has no version"));
  // As Kratix does on any update: a spec schema without properties (init's `default: {}`) becomes an
  // object with properties.
  Json& schema = spec["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
  if (!has_properties(schema)) schema = {{"type", "object"}, {"properties", Json::object()}};
  for (const auto& p : u.properties) {
    if (auto s = apply_property(schema, p); !s) return s;
  }
  return {};
}

kube::Result<std::vector<std::string>> update_api(const fs::path& dir, const ApiUpdate& u) {
  const bool split_dir = fs::exists(dir / kApiFile);
  Json promise;
  Json crd;
  if (split_dir) {
    auto read = read_yaml_file(dir / kApiFile);
    if (!read) return std::unexpected(read.error());
    crd = std::move(*read);
  } else {
    auto read = read_yaml_file(dir / kPromiseFile);
    if (!read) {
      return std::unexpected(invalid("failed to find api.yaml or promise.yaml in directory. Please run 'pave init promise' first: " +
                                     read.error().message));
    }
    promise = std::move(*read);
    crd = kube::child(kube::child(promise, "spec"), "api");
  }
  if (!crd.is_object()) return std::unexpected(invalid("the Promise has no API to update"));
  if (auto s = update_crd(crd, u); !s) return std::unexpected(s.error());
  std::vector<std::string> lines;
  if (!u.group.empty() || !u.kind.empty() || !u.version.empty() || !u.plural.empty()) {
    auto example = read_yaml_file(dir / kExampleResourceFile);
    if (!example) return std::unexpected(example.error());
    retarget_example(*example, crd);
    if (auto s = write_yaml_file(dir / kExampleResourceFile, *example); !s) return std::unexpected(s.error());
    lines.push_back("Example resource updated");
  }
  if (split_dir) {
    if (auto s = write_yaml_file(dir / kApiFile, crd); !s) return std::unexpected(s.error());
  } else {
    promise["spec"]["api"] = std::move(crd);
    if (auto s = write_yaml_file(dir / kPromiseFile, promise); !s) return std::unexpected(s.error());
  }
  lines.push_back("Promise api updated");
  return lines;
}

kube::Result<std::vector<Json>> read_dependencies(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::unexpected(invalid("failed to stat dependency: " + path.string()));
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
    }
    if (files.empty()) return std::unexpected(invalid("no files found in directory: " + path.string() + "; nothing to update"));
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<Json> documents;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto docs = kube::parse_yaml_documents(text.str(), kube::YamlReading::kKubectl);
    if (!docs) return std::unexpected(invalid("failed to decode dependency file " + file.string() + ": " + docs.error().message));
    for (Json& d : *docs) {
      if (d.is_null() || (d.is_object() && d.empty())) continue;
      if (!d.is_object()) return std::unexpected(invalid("failed to decode dependency file " + file.string() + ": not an object"));
      if (kube::child(d, "metadata").value("namespace", "").empty()) d["metadata"]["namespace"] = "default";
      documents.push_back(std::move(d));
    }
  }
  if (documents.empty()) return std::unexpected(invalid("no valid dependencies found in directory: " + path.string()));
  return documents;
}

namespace {

// With --image: the dependencies ride in a promise.configure pipeline's image instead of the Promise.
kube::Result<std::vector<std::string>> dependencies_as_workflow(const fs::path& dir, const fs::path& path, const std::string& image,
                                                                bool split_dir) {
  const PipelineRef ref{"promise", "configure", "dependencies"};
  if (!fs::is_directory(path) && !fs::is_regular_file(path)) {
    return std::unexpected(invalid("unsupported type for dependencies: must be file or directory"));
  }
  std::error_code ec;
  const fs::path resources = fs::weakly_canonical(dir / ref.container_dir("configure-deps"), ec);
  const fs::path source = fs::weakly_canonical(path, ec);
  if (std::mismatch(source.begin(), source.end(), resources.begin(), resources.end()).first == source.end()) {
    return std::unexpected(invalid("the dependencies (" + path.string() + ") hold the directory they would be copied to"));
  }
  auto lines = add_container(dir, {.ref = ref, .image = image, .name = "configure-deps", .overwrite = true});
  if (!lines) return std::unexpected(lines.error());
  lines->pop_back();  // "Don't forget to build ...": said below
  const fs::path container = dir / ref.container_dir("configure-deps");
  if (fs::is_directory(path)) {
    fs::copy(path, container / "resources", fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  } else {
    fs::copy_file(path, container / "resources" / path.filename(), fs::copy_options::overwrite_existing, ec);
  }
  if (ec) return std::unexpected(invalid("cannot copy " + path.string() + ": " + ec.message()));
  if (auto s = write_text_file(container / "scripts/pipeline.sh", "#!/usr/bin/env sh\n\ncp /resources/* /kratix/output\n"); !s) {
    return std::unexpected(s.error());
  }
  if (split_dir) {
    fs::remove(dir / kDependenciesFile, ec);
  } else {
    auto promise = read_yaml_file(dir / kPromiseFile);
    if (!promise) return std::unexpected(promise.error());
    (*promise)["spec"].erase("dependencies");
    if (auto s = write_yaml_file(dir / kPromiseFile, *promise); !s) return std::unexpected(s.error());
  }
  lines->insert(lines->end(), {"Dependencies added as a Promise workflow.", "Run the following command to build the dependencies image:",
                               "", "  pave build container promise/configure/dependencies --dir " + dir.string(),
                               "", "Don't forget to push the image to a registry!"});
  return lines;
}

}  // namespace

kube::Result<std::vector<std::string>> update_dependencies(const fs::path& dir, const fs::path& path, const std::string& image) {
  // Kratix's rule: flat only when promise.yaml is there and dependencies.yaml is not.
  const bool split_dir = !(fs::exists(dir / kPromiseFile) && !fs::exists(dir / kDependenciesFile));
  if (!image.empty()) return dependencies_as_workflow(dir, path, image, split_dir);
  auto documents = read_dependencies(path);
  if (!documents) return std::unexpected(documents.error());
  if (split_dir) {
    if (auto s = write_yaml_file(dir / kDependenciesFile, Json(*documents)); !s) return std::unexpected(s.error());
    return std::vector<std::string>{"Updated dependencies.yaml"};
  }
  auto promise = read_yaml_file(dir / kPromiseFile);
  if (!promise) return std::unexpected(promise.error());
  (*promise)["spec"]["dependencies"] = Json(*documents);
  if (auto s = write_yaml_file(dir / kPromiseFile, *promise); !s) return std::unexpected(s.error());
  return std::vector<std::string>{"Updated promise.yaml"};
}

kube::Status update_selector(Json& promise, const std::string& arg) {
  Json& selectors = promise["spec"]["destinationSelectors"];
  const std::vector<std::string> parts = split(arg, '=');
  if (parts.size() == 2) {
    if (!selectors.is_array() || selectors.empty()) selectors = Json::array({{{"matchLabels", Json::object()}}});
    selectors[0]["matchLabels"][parts[0]] = parts[1];
    return {};
  }
  if (!arg.ends_with('-')) return std::unexpected(invalid("invalid destination key: " + arg));
  std::string key = arg;
  while (!key.empty() && key.back() == '-') key.pop_back();
  if (selectors.is_array() && !selectors.empty() && selectors[0].contains("matchLabels")) {
    selectors[0]["matchLabels"].erase(key);
    if (selectors[0]["matchLabels"].empty()) selectors[0].erase("matchLabels");
  }
  if (selectors.is_null()) promise["spec"].erase("destinationSelectors");
  return {};
}

kube::Result<std::vector<std::string>> update_destination_selector(const fs::path& dir, const std::string& arg) {
  auto promise = read_yaml_file(dir / kPromiseFile);
  if (!promise) return std::unexpected(invalid("failed to find promise.yaml in directory: " + promise.error().message));
  if (auto s = update_selector(*promise, arg); !s) return std::unexpected(s.error());
  if (auto s = write_yaml_file(dir / kPromiseFile, *promise); !s) return std::unexpected(s.error());
  return std::vector<std::string>{"Promise destination selector updated"};
}

}  // namespace pave::scaffold
