#include "statestore/layout.h"

#include <algorithm>
#include <set>

#include "base/compression.h"
#include "kube/yaml.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

kube::Error refused(const std::string& what, const std::string& value) {
  return kube::make_error(ErrorKind::kInvalid, what + " \"" + value + "\" cannot be used as a path segment");
}

bool segment_ok(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos && s.find('\0') == std::string::npos;
}

// Joins segments, skipping empty ones.
std::string join(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

// The directory nestedByMetadata rewrites wholesale for p.
kube::Result<std::string> nested_dir(const std::string& dest, const Placement& p) {
  if (!segment_ok(p.promise)) return std::unexpected(refused("promise name", p.promise));
  if (!p.pipeline.empty() && !segment_ok(p.pipeline)) return std::unexpected(refused("pipeline name", p.pipeline));
  const std::string id5 = p.group_id.substr(0, 5);
  if (!segment_ok(id5)) return std::unexpected(refused("workload group id", p.group_id));
  if (p.resource.empty()) return join({dest, "dependencies", p.promise, p.pipeline, id5});
  const std::string& ns = p.resource_namespace.empty() ? p.namespace_ : p.resource_namespace;
  if (!segment_ok(ns)) return std::unexpected(refused("namespace", ns));
  if (!segment_ok(p.resource)) return std::unexpected(refused("resource name", p.resource));
  return join({dest, "resources", ns, p.promise, p.resource, p.pipeline, id5});
}

kube::Result<std::string> workload_path(const std::string& dir, const Workload& w) {
  std::string f = w.filepath;
  while (f.starts_with("./")) f.erase(0, 2);
  if (!contained_path(f)) return std::unexpected(refused("workload file path", w.filepath));
  return join({dir, f});
}

// A none-layout state file as Kratix writes it (Go's YAML: the list under "files:" not indented).
std::string state_file_content(const kube::Json& listed) {
  if (listed.empty()) return "files: []\n";
  std::string out = "files:\n";
  for (const auto& path : listed) out += "- " + kube::to_yaml(path);  // to_yaml quotes what needs quoting
  return out;
}

kube::Result<std::string> state_file(const std::string& dest, const Placement& p) {
  if (!segment_ok(p.namespace_ + "-" + p.name)) return std::unexpected(refused("placement name", p.name));
  return join({dest, ".kratix", p.namespace_ + "-" + p.name + ".yaml"});
}

// Whether path (relative to the store) lies in dest's .kratix directory of state files.
bool in_state_dir(const std::string& dest, const std::string& path) {
  const std::string dir = join({dest, ".kratix"});
  return path == dir || path.starts_with(dir + "/");
}

// The files a none-layout state file lists that it may have written: under its own Destination's
// directory, never a state file. Anything else in it (an edited or forged file) is not Pave's to delete.
std::vector<std::string> listed_files(const std::string& dest, const std::optional<std::string>& state) {
  std::vector<std::string> files;
  if (!state) return files;
  auto doc = kube::parse_yaml(*state);
  if (!doc || !doc->is_object()) return files;
  for (const auto& f : doc->value("files", kube::Json::array())) {
    if (!f.is_string()) continue;
    const std::string path = f.get<std::string>();
    if (!contained_path(path) || in_state_dir(dest, path)) continue;
    if (!dest.empty() && !path.starts_with(dest + "/")) continue;
    files.push_back(path);
  }
  return files;
}

}  // namespace

kube::Result<std::string> destination_dir(const DestinationLayout& d) {
  std::string p = d.path;
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p == ".") p.clear();
  if (!p.empty() && !contained_path(p)) return std::unexpected(refused("destination path", d.path));
  return p;
}

std::optional<FilepathMode> parse_filepath_mode(const std::string& mode) {
  if (mode == "nestedByMetadata" || mode.empty()) return FilepathMode::kNestedByMetadata;
  if (mode == "aggregatedYAML") return FilepathMode::kAggregatedYAML;
  if (mode == "none") return FilepathMode::kNone;
  return std::nullopt;
}

kube::Result<std::vector<std::string>> none_layout_paths(const DestinationLayout& d, const std::vector<std::string>& filepaths) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  std::vector<std::string> paths;
  for (const auto& f : filepaths) {
    auto path = workload_path(*dest, {.filepath = f});
    if (!path) return std::unexpected(path.error());
    paths.push_back(*path);
  }
  return paths;
}

kube::Result<Change> placement_change(const DestinationLayout& d, const Placement& p,
                                      const std::optional<std::string>& previous_state, const OtherPlacements& others) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  Change c{.placement = p.name};
  if (d.mode == FilepathMode::kNestedByMetadata) {
    auto dir = nested_dir(*dest, p);
    if (!dir) return std::unexpected(dir.error());
    c.replace_directories.push_back(*dir);
    for (const auto& w : p.workloads) {
      auto path = workload_path(*dir, w);
      if (!path) return std::unexpected(path.error());
      c.files.push_back({*path, w.content});
    }
    return c;
  }
  if (d.mode == FilepathMode::kNone) {
    auto state = state_file(*dest, p);
    if (!state) return std::unexpected(state.error());
    kube::Json listed = kube::Json::array();
    std::set<std::string> written;
    for (const auto& w : p.workloads) {
      auto path = workload_path(*dest, w);
      if (!path) return std::unexpected(path.error());
      // Another WorkPlacement's state file written over would make Pave delete that one's files.
      if (in_state_dir(*dest, *path)) {
        return std::unexpected(kube::make_error(ErrorKind::kInvalid, "workload file path \"" + w.filepath +
                                                                         "\" is in .kratix, where Kratix keeps its state files"));
      }
      if (others.owned.contains(*path)) continue;  // a placement sorting first writes it
      c.files.push_back({*path, w.content});
      written.insert(*path);
      listed.push_back(*path);
    }
    for (const auto& old : listed_files(*dest, previous_state)) {
      if (!written.contains(old) && !others.named.contains(old)) c.remove_files.push_back(old);
    }
    c.files.push_back({*state, state_file_content(listed)});
    return c;
  }
  return std::unexpected(kube::make_error(ErrorKind::kInvalid, "aggregatedYAML destinations are written with aggregated_change"));
}

kube::Result<std::string> state_file_path(const DestinationLayout& d, const Placement& p) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  return state_file(*dest, p);
}

kube::Result<Change> placement_removal(const DestinationLayout& d, const Placement& p,
                                       const std::optional<std::string>& previous_state, const OtherPlacements& others) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  Change c{.placement = p.name};
  if (d.mode == FilepathMode::kNestedByMetadata) {
    auto dir = nested_dir(*dest, p);
    if (!dir) return std::unexpected(dir.error());
    c.replace_directories.push_back(*dir);
  } else if (d.mode == FilepathMode::kNone) {
    auto state = state_file(*dest, p);
    if (!state) return std::unexpected(state.error());
    for (auto& listed : listed_files(*dest, previous_state)) {
      if (!others.named.contains(listed)) c.remove_files.push_back(std::move(listed));
    }
    c.remove_files.push_back(*state);
  } else {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "aggregatedYAML destinations are written with aggregated_change"));
  }
  return c;
}

kube::Result<Change> aggregated_change(const DestinationLayout& d, std::vector<Placement> live, const std::string& change_name) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  if (!segment_ok(d.aggregated_filename) && !contained_path(d.aggregated_filename)) {
    return std::unexpected(refused("aggregated file name", d.aggregated_filename));
  }
  const std::string file = join({*dest, d.aggregated_filename.empty() ? "aggregated.yaml" : d.aggregated_filename});
  std::sort(live.begin(), live.end(), [](const Placement& a, const Placement& b) { return a.name < b.name; });
  std::string content;
  for (const auto& p : live) {
    for (const auto& w : p.workloads) {
      if (!content.empty()) content += "\n---\n";
      content += w.content;
    }
  }
  Change c{.placement = change_name};
  if (content.empty()) c.remove_files.push_back(file);
  else c.files.push_back({file, content});
  return c;
}

kube::Result<Change> canary_change(const DestinationLayout& d, bool enabled) {
  auto dest = destination_dir(d);
  if (!dest) return std::unexpected(dest.error());
  const bool nested = d.mode == FilepathMode::kNestedByMetadata;
  const std::string ns_file = join({*dest, nested ? "dependencies" : "", "kratix-canary-namespace.yaml"});
  const std::string cm_file = join({*dest, nested ? "resources" : "", "kratix-canary-configmap.yaml"});
  Change c{.placement = "kratix-canary", .key = "kratix-canary/" + d.name};
  if (!enabled) {
    c.remove_files = {ns_file, cm_file};
    return c;
  }
  // Byte for byte as Kratix writes it (a typed Namespace marshalled: empty spec and status included), so a
  // move from Kratix to Pave rewrites no canary file.
  c.files.push_back({ns_file, kube::to_yaml({{"apiVersion", "v1"}, {"kind", "Namespace"},
                                             {"metadata", {{"name", "kratix-worker-system"}}},
                                             {"spec", kube::Json::object()}, {"status", kube::Json::object()}})});
  c.files.push_back({cm_file, kube::to_yaml({{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                             {"metadata", {{"name", "kratix-info"}, {"namespace", "kratix-worker-system"}}},
                                             {"data", {{"canary", "this confirms your infrastructure is reading from Kratix state stores"}}}})});
  return c;
}

kube::Result<std::string> decode_workload_content(const std::string& base64_gzip) {
  auto content = base::gunzip_base64(base64_gzip, kMaxWorkloadSize);
  if (!content) return std::unexpected(kube::make_error(ErrorKind::kDecode, "workload content is " + content.error()));
  return std::move(*content);
}

std::string encode_workload_content(const std::string& content) { return base::gzip_base64(content); }

}  // namespace pave::statestore
