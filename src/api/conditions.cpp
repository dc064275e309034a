#include "api/conditions.h"

#include "kube/time.h"

namespace pave::api {

void set_condition(kube::Json& status, const Condition& c) {
  if (!status.is_object()) status = kube::Json::object();
  kube::Json& list = status["conditions"];
  if (!list.is_array()) list = kube::Json::array();
  const std::string value = c.unknown ? "Unknown" : c.status ? "True" : "False";
  kube::Json updated = {{"type", c.type}, {"status", value}, {"reason", c.reason}, {"message", c.message},
                        {"observedGeneration", c.observed_generation}, {"lastTransitionTime", kube::time_now()}};
  for (auto& existing : list) {
    if (existing.value("type", "") != c.type) continue;
    if (existing.value("status", "") == value) updated["lastTransitionTime"] = existing.value("lastTransitionTime", kube::time_now());
    existing = updated;
    return;
  }
  list.push_back(updated);
}

const kube::Json* find_condition(const kube::Json& object, const std::string& type) {
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return nullptr;
  auto list = status->find("conditions");
  if (list == status->end() || !list->is_array()) return nullptr;
  for (const auto& c : *list) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

}  // namespace pave::api
