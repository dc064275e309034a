#include "platform/scheduler.h"

#include <algorithm>

#include "kube/object.h"

namespace pave::platform {

DestinationView destination_view(const kube::Json& d) {
  return {kube::meta::name(d), kube::meta::labels(d), kube::child(kube::child(d, "spec"), "strictMatchLabels") == true,
          kube::meta::deleting(d)};
}

Labels merged_selector(const kube::Json& group) {
  static const char* order[] = {"resource-workflow", "promise-workflow", "promise"};
  Labels merged;
  // A Work is anyone's to write: entries that are not what the CRD describes are passed over.
  const kube::Json& selectors = kube::child(group, "destinationSelectors");
  if (!selectors.is_array()) return merged;
  for (const char* source : order) {
    for (const auto& s : selectors) {
      if (kube::string_at(s, "source") != source) continue;
      for (const auto& [k, v] : kube::child(s, "matchLabels").items()) {
        if (v.is_string()) merged[k] = v.get<std::string>();
      }
    }
  }
  return merged;
}

bool matches(const DestinationView& d, const Labels& selector) {
  if (d.deleting) return false;
  auto dry = d.labels.find("kratix.io/dry-run");
  if (dry != d.labels.end() && dry->second == "true") return false;
  if (selector.empty() && d.strict_match_labels && !d.labels.empty()) return false;
  for (const auto& [k, v] : selector) {
    auto it = d.labels.find(k);
    if (it == d.labels.end() || it->second != v) return false;
  }
  return true;
}

std::vector<std::string> candidates(const std::vector<DestinationView>& destinations, const Labels& selector) {
  std::vector<std::string> out;
  for (const auto& d : destinations) {
    if (matches(d, selector)) out.push_back(d.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pave::platform
