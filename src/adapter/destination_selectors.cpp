#include "adapter/destination_selectors.h"

#include <algorithm>

#include "adapter/go_decoding.h"
#include "kube/yaml.h"

namespace pave::adapter {
namespace {

using kube::Json;

constexpr const char* kFile = "destination-selectors.yaml";

using kube::invalid;

// The document as a list, as encoding/json fills a Go slice: null is empty, anything else but a list fails.
kube::Result<Json> as_list(std::string_view yaml, std::string_view go_type) {
  auto doc = kube::parse_yaml(yaml, kube::YamlReading::kKubectl);
  if (!doc) return std::unexpected(doc.error());
  if (doc->is_null()) return Json::array();
  if (!doc->is_array()) {
    return std::unexpected(invalid("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
                                   std::string(json_type_word(*doc)) + " into Go value of type " + std::string(go_type)));
  }
  return std::move(*doc);
}

// Go's %v of a map[string]string: map[k1:v1 k2:v2], keys sorted.
std::string go_format(const Labels& labels) {
  std::string out = "map[";
  for (const auto& [k, v] : labels) out += (out.size() > 4 ? " " : "") + k + ":" + v;
  return out + "]";
}

// Go's %v of the parsed entries, as Kratix prints them in its duplicate-entries error.
std::string go_format(const std::vector<DestinationSelector>& selectors) {
  std::string out = "[";
  for (size_t i = 0; i < selectors.size(); ++i) {
    out += (i ? " {" : "{") + go_format(selectors[i].match_labels) + " " + selectors[i].directory + "}";
  }
  return out + "]";
}

kube::Result<DestinationSelector> parse_entry(const Json& entry) {
  if (!entry.is_object() && !entry.is_null()) {
    return std::unexpected(invalid("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
                                   std::string(json_type_word(entry)) +
                                   " into Go value of type v1alpha1.WorkflowDestinationSelectors"));
  }
  const GoStruct s{entry, "WorkflowDestinationSelectors"};
  auto labels = go_string_map(s, "matchLabels");
  if (!labels) return std::unexpected(labels.error());
  auto directory = go_string(s, "directory");
  if (!directory) return std::unexpected(directory.error());
  return DestinationSelector{clean_path(*directory), std::move(*labels)};
}

// Kratix's checks, in Kratix's order, then Pave's: a directory must stay inside the output directory.
kube::Status validate(const std::vector<DestinationSelector>& selectors) {
  for (size_t i = 0; i < selectors.size(); ++i) {
    if (selectors[i].match_labels.empty()) {
      return std::unexpected(invalid(std::string("invalid ") + kFile + ": entry with index " + std::to_string(i) +
                                     " has no selectors"));
    }
  }
  for (size_t i = 0; i < selectors.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (selectors[i].directory == selectors[j].directory) {
        return std::unexpected(invalid(std::string("duplicate entries in ") + kFile + ": \n" + go_format(selectors)));
      }
    }
  }
  for (const auto& s : selectors) {
    if (s.directory.find('/') != std::string::npos && s.directory != "/") {
      return std::unexpected(invalid(std::string("invalid directory in ") + kFile + ": " + s.directory +
                                     ", sub-directories are not allowed"));
    }
  }
  for (const auto& s : selectors) {
    if (s.directory == ".." || s.directory == "/") {
      return std::unexpected(invalid(std::string("invalid directory in ") + kFile + ": " + s.directory +
                                     ", directories must be inside the pipeline's output directory"));
    }
  }
  return {};
}

}  // namespace

std::string clean_path(std::string_view path) {
  const bool rooted = path.starts_with('/');
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + std::string(parts[i]);
  return out.empty() ? "." : out;
}

kube::Result<std::vector<DestinationSelector>> parse_destination_selectors(std::string_view yaml) {
  auto list = as_list(yaml, "[]v1alpha1.WorkflowDestinationSelectors");
  if (!list) return std::unexpected(invalid(std::string("invalid ") + kFile + ": " + list.error().message));
  std::vector<DestinationSelector> selectors;
  for (const auto& entry : *list) {
    auto parsed = parse_entry(entry);
    if (!parsed) return std::unexpected(invalid(std::string("invalid ") + kFile + ": " + parsed.error().message));
    selectors.push_back(std::move(*parsed));
  }
  if (auto valid = validate(selectors); !valid) return std::unexpected(valid.error());
  return selectors;
}

kube::Result<std::vector<PromiseSelector>> parse_promise_scheduling(std::string_view yaml) {
  auto list = as_list(yaml, "[]v1alpha1.WorkloadGroupScheduling");
  if (!list) return std::unexpected(list.error());
  std::vector<PromiseSelector> selectors;
  for (const auto& entry : *list) {
    const GoStruct s{entry, "WorkloadGroupScheduling"};
    auto labels = go_string_map(s, "matchLabels");
    if (!labels) return std::unexpected(labels.error());
    auto source = go_string(s, "source");
    if (!source) return std::unexpected(source.error());
    selectors.push_back({std::move(*labels), std::move(*source)});
  }
  return selectors;
}

Labels squash(const std::vector<Labels>& entries) {
  Labels out;
  for (const auto& labels : entries) out.insert(labels.begin(), labels.end());  // insert keeps the first value
  return out;
}

}  // namespace pave::adapter
