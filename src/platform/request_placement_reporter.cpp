#include "platform/request_placement_reporter.h"

#include <algorithm>

#include "kube/object.h"
#include "platform/api/kratix.h"

namespace pave::platform {
namespace {

using kube::Json;

struct RequestRef {
  std::string promise, namespace_, name;
  std::string key() const { return promise + "/" + namespace_ + "/" + name; }
};

std::optional<RequestRef> request_of(const Json& work) {
  const Json& spec = kube::child(work, "spec");
  RequestRef ref{spec.value("promiseName", ""), kube::meta::label(work, api::kLabelResourceNamespace), spec.value("resourceName", "")};
  if (ref.promise.empty() || ref.name.empty()) return std::nullopt;
  if (ref.namespace_.empty()) ref.namespace_ = kube::meta::namespace_of(work);
  return ref;
}

// One Work's placements as the request shows them.
void add_entries(Json& out, const std::string& work, const Json& placements) {
  if (!placements.is_array()) return;
  for (const auto& p : placements) {
    out.push_back({{"work", work}, {"workloadGroupId", p.value("workloadGroupId", "")},
                   {"destination", p.value("destination", "")}, {"misplaced", p.value("misplaced", false)}});
  }
}

}  // namespace

std::optional<kube::Resource> request_resource(const Json& promise) {
  const Json& crd = kube::child(kube::child(promise, "spec"), "api");
  const Json& spec = kube::child(crd, "spec");
  const Json& names = kube::child(spec, "names");
  std::string version;
  for (const auto& v : kube::child(spec, "versions")) {
    if (v.value("storage", false) || version.empty()) version = v.value("name", "");
  }
  kube::Resource r{spec.value("group", ""), version, names.value("plural", ""), names.value("kind", ""),
                   spec.value("scope", "Namespaced") != "Cluster"};
  if (r.group.empty() || r.version.empty() || r.plural.empty()) return std::nullopt;
  return r;
}

RequestPlacementReporter::RequestPlacementReporter(kube::Client client, const kube::Informer& works, const kube::Informer& promises)
    : client_(std::move(client)), works_(works), promises_(promises) {}

kube::IndexFunc RequestPlacementReporter::request_index() {
  return [](const Json& work) {
    auto ref = request_of(work);
    return ref ? std::vector<std::string>{ref->key()} : std::vector<std::string>{};
  };
}

kube::Status RequestPlacementReporter::report(const Json& work, const Json& placements, bool going) {
  auto ref = request_of(work);
  if (!ref) return {};
  kube::ObjectPtr promise = promises_.store().get(ref->promise);
  if (!promise) return {};
  auto resource = request_resource(*promise);
  if (!resource) return {};

  Json entries = Json::array();
  if (!going) add_entries(entries, kube::meta::name(work), placements);
  for (const auto& other : works_.store().by_index(kRequestIndex, ref->key())) {
    if (kube::meta::uid(*other) == kube::meta::uid(work) || (*other)["metadata"].contains("deletionTimestamp")) continue;
    add_entries(entries, kube::meta::name(*other), kube::child(kube::child(*other, "status"), "placements"));
  }
  std::sort(entries.begin(), entries.end(), [](const Json& a, const Json& b) {
    return std::tie(a["work"], a["workloadGroupId"], a["destination"]) < std::tie(b["work"], b["workloadGroupId"], b["destination"]);
  });
  const size_t hash = std::hash<std::string>{}(entries.dump());
  {
    std::lock_guard lock(mu_);
    auto it = told_.find(ref->key());
    if (it != told_.end() && it->second == hash) return {};
  }
  auto patched = client_.patch(*resource, resource->namespaced ? ref->namespace_ : "", ref->name, kube::PatchType::kMerge,
                               {{"status", {{"kratix", {{"placements", entries}}}}}}, {.subresource = "status"});
  if (!patched && patched.error().kind == kube::ErrorKind::kNotFound) return {};  // the request is gone
  if (!patched) return std::unexpected(patched.error());
  std::lock_guard lock(mu_);
  if (going && entries.empty()) {
    told_.erase(ref->key());  // its last Work is gone
  } else {
    told_[ref->key()] = hash;
  }
  return {};
}

}  // namespace pave::platform
