#include "platform/requirements.h"

#include <algorithm>

#include "api/kratix.h"
#include "kube/object.h"

namespace pave::platform {
namespace {

using kube::Json;

const Json& requirements(const Json& promise) { return kube::child(kube::child(promise, "spec"), "requiredPromises"); }

// A required Promise's version: its status.version, or its version label before its first reconcile.
std::string version_of(const Json& promise) {
  std::string v = kube::string_at(kube::child(promise, "status"), "version");
  return v.empty() ? kube::meta::label(promise, api::kLabelPromiseVersion) : v;
}

std::string state_of(const Json& requirement, const RequirementLookup& lookup) {
  const std::string name = kube::string_at(requirement, "name");
  const kube::ObjectPtr required = lookup.promise(name);
  if (!required || kube::child(*required, "metadata").contains("deletionTimestamp")) return kStateNotInstalled;
  const std::string wanted = kube::string_at(requirement, "version");
  if (!wanted.empty() && version_of(*required) != wanted && !(lookup.has_revision && lookup.has_revision(name, wanted))) {
    return kStateWrongVersion;
  }
  if (kube::string_at(kube::child(*required, "status"), "status") != api::promise::kAvailable) return kStateNotAvailable;
  return kStateInstalled;
}

}  // namespace

Json required_promises_status(const Json& promise, const RequirementLookup& lookup) {
  Json out = Json::array();
  for (const auto& r : requirements(promise)) {
    const std::string name = kube::string_at(r, "name");
    Json entry = {{"name", name}, {"state", state_of(r, lookup)}};
    if (const std::string v = kube::string_at(r, "version"); !v.empty()) entry["version"] = v;
    out.push_back(std::move(entry));
  }
  return out;
}

bool requirements_met(const Json& required_status) {
  return std::all_of(required_status.begin(), required_status.end(),
                     [](const Json& r) { return r.value("state", "") == kStateInstalled; });
}

api::Condition requirements_condition(const Json& required_status, int64_t generation) {
  api::Condition c{.type = "RequirementsFulfilled", .status = true, .reason = "RequirementsInstalled",
                   .message = "Requirements fulfilled", .observed_generation = generation};
  for (const auto& r : required_status) {
    const std::string state = r.value("state", "");
    if (state == kStateInstalled) continue;
    c.status = false;
    c.message = "Requirements not fulfilled";
    c.reason = state == kStateNotAvailable ? "RequirementsNotAvailable" : "RequirementsNotInstalled";  // the last unmet, as Kratix
  }
  return c;
}

Json required_by(const Json& required, const Json& dependent, const std::string& required_version, bool remove) {
  const std::string name = kube::meta::name(dependent);
  Json list = Json::array();
  for (const auto& e : kube::child(kube::child(required, "status"), "requiredBy")) {
    if (kube::string_at(kube::child(e, "promise"), "name") != name) list.push_back(e);
  }
  if (!remove) {
    Json entry = {{"promise", {{"name", name}}}};
    if (const std::string v = version_of(dependent); !v.empty()) entry["promise"]["version"] = v;
    if (!required_version.empty()) entry["requiredVersion"] = required_version;
    list.push_back(std::move(entry));
  }
  std::sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
    return kube::string_at(kube::child(a, "promise"), "name") < kube::string_at(kube::child(b, "promise"), "name");
  });
  return list;
}

std::vector<std::string> required_names(const Json& promise) {
  std::vector<std::string> names;
  for (const auto& r : requirements(promise)) {
    if (const std::string n = kube::string_at(r, "name"); !n.empty()) names.push_back(n);
  }
  return names;
}

}  // namespace pave::platform
