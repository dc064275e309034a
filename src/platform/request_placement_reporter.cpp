#include "platform/request_placement_reporter.h"

#include <algorithm>

#include "kube/object.h"
#include "api/kratix.h"

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
  // spec.api is free-form (preserve-unknown-fields): read only strings where strings belong.
  auto text = [](const Json& o, const char* key) {
    const Json& v = kube::child(o, key);
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  const Json& crd = kube::child(kube::child(promise, "spec"), "api");
  const Json& spec = kube::child(crd, "spec");
  const Json& names = kube::child(spec, "names");
  std::string version;
  for (const auto& v : kube::child(spec, "versions")) {
    const bool storage = kube::child(v, "storage").is_boolean() && kube::child(v, "storage").get<bool>();
    if (storage || version.empty()) version = text(v, "name");
  }
  kube::Resource r{text(spec, "group"), version, text(names, "plural"), text(names, "kind"), text(spec, "scope") != "Cluster"};
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

  // One report per request at a time, each from the newest placements of every Work: those this process
  // reported last (a sibling's cached status may lag behind its write), else the cache's.
  std::lock_guard serial(stripes_[std::hash<std::string>{}(ref->key()) % stripes_.size()]);
  const std::string name = kube::meta::name(work);
  Json entries = Json::array();
  std::map<std::string, Json> newest;
  {
    std::lock_guard lock(mu_);
    auto& works = latest_[ref->key()];
    if (going) {
      works.erase(name);
    } else {
      works[name] = placements;
    }
    newest = works;
    if (works.empty()) latest_.erase(ref->key());
  }
  if (!going) add_entries(entries, name, placements);
  for (const auto& other : works_.store().by_index(kRequestIndex, ref->key())) {
    const std::string other_name = kube::meta::name(*other);
    if (other_name == name || (*other)["metadata"].contains("deletionTimestamp")) continue;
    auto known = newest.find(other_name);
    add_entries(entries, other_name, known != newest.end() ? known->second : kube::child(kube::child(*other, "status"), "placements"));
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
