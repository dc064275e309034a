#include "platform/static_dependencies.h"

#include <vector>

#include "api/kratix.h"
#include "api/naming.h"
#include "base/compression.h"
#include "kube/object.h"
#include "kube/yaml.h"

namespace pave::platform {

using kube::Json;

Json squashed_selectors(const Json& promise) {
  Json labels = Json::object();
  for (const auto& s : kube::child(kube::child(promise, "spec"), "destinationSelectors")) {
    for (const auto& [k, v] : kube::child(s, "matchLabels").items()) {
      if (!labels.contains(k)) labels[k] = v;
    }
  }
  if (labels.empty()) return Json::array();
  return Json::array({{{"matchLabels", labels}, {"source", "promise"}}});
}

std::string static_dependencies_work_name(const Json& promise) {
  return api::deterministic_name(kube::meta::name(promise) + "-static-deps");
}

std::optional<Json> static_dependencies_work(const Json& promise) {
  const std::string name = kube::meta::name(promise);
  const Json& deps = kube::child(kube::child(promise, "spec"), "dependencies");
  if (!deps.is_array() || deps.empty()) return std::nullopt;
  std::vector<Json> documents(deps.begin(), deps.end());
  const Json group = {{"id", api::workload_group_id(".")}, {"directory", "."},
                      {"workloads", Json::array({{{"filepath", "static/" + name + "-dependencies.yaml"},
                                                  {"content", base::gzip_base64(kube::to_yaml_documents(documents))}}})},
                      {"destinationSelectors", squashed_selectors(promise)}};
  return Json{{"apiVersion", api::kApiVersion}, {"kind", "Work"},
              {"metadata", {{"name", static_dependencies_work_name(promise)}, {"namespace", api::kSystemNamespace},
                            {"labels", {{api::kLabelPromiseName, name}, {api::kLabelWorkType, "static-dependency"}}}}},
              {"spec", {{"promiseName", name}, {"workloadGroups", Json::array({group})}}}};
}

}  // namespace pave::platform
