#include "kube/rest_mapper.h"

namespace pave::kube {
namespace {

constexpr const char* kAggregatedDiscovery =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;q=0.9";

void add_groups(const Json& list, std::vector<DiscoveredResource>& out) {
  for (const auto& group : list.value("items", Json::array())) {
    const std::string group_name = group.value("metadata", Json::object()).value("name", "");
    bool preferred = true;
    for (const auto& version : group.value("versions", Json::array())) {
      const std::string v = version.value("version", "");
      for (const auto& res : version.value("resources", Json::array())) {
        const Json kind = res.value("responseKind", Json::object());
        DiscoveredResource d{.resource = {group_name, v, res.value("resource", ""), kind.value("kind", ""),
                                          res.value("scope", "") == "Namespaced"},
                             .singular = res.value("singularResource", ""),
                             .preferred = preferred};
        if (d.resource.kind.empty() || d.resource.plural.empty()) continue;
        for (const auto& name : res.value("shortNames", Json::array())) {
          if (name.is_string()) d.short_names.push_back(name.get<std::string>());
        }
        out.push_back(std::move(d));
      }
      preferred = false;
    }
  }
}

}  // namespace

Result<std::vector<DiscoveredResource>> discover_resources(const Client& client) {
  std::vector<DiscoveredResource> out;
  for (const char* path : {"/api", "/apis"}) {
    auto list = client.request({.method = "GET", .path = path, .accept = kAggregatedDiscovery});
    if (!list) return std::unexpected(list.error());
    if (list->value("kind", "") != "APIGroupDiscoveryList") {
      return std::unexpected(make_error(ErrorKind::kDecode, std::string("server does not offer aggregated discovery at ") + path));
    }
    add_groups(*list, out);
  }
  return out;
}

Status RestMapper::refresh_locked() {
  auto discovered = discover_resources(client_);
  if (!discovered) return std::unexpected(discovered.error());
  std::map<GroupVersionKind, Resource> fresh;
  for (auto& d : *discovered) {
    GroupVersionKind gvk{d.resource.group, d.resource.version, d.resource.kind};
    fresh.emplace(std::move(gvk), std::move(d.resource));
  }
  by_kind_ = std::move(fresh);
  last_refresh_ = std::chrono::steady_clock::now();
  loaded_ = true;
  return {};
}

Status RestMapper::refresh() {
  std::lock_guard lock(mu_);
  return refresh_locked();
}

Result<Resource> RestMapper::resource_for(const GroupVersionKind& gvk) {
  std::lock_guard lock(mu_);
  if (auto it = by_kind_.find(gvk); it != by_kind_.end()) return it->second;
  const bool may_refresh = !loaded_ || std::chrono::steady_clock::now() - last_refresh_ >= min_refresh_interval_;
  if (may_refresh) {
    if (auto s = refresh_locked(); !s) return std::unexpected(s.error());
    if (auto it = by_kind_.find(gvk); it != by_kind_.end()) return it->second;
  }
  Error e = make_error(ErrorKind::kNotFound, "no resource serves kind " + gvk.kind + " in " + gvk.api_version());
  e.reason = "NoKindMatch";
  return std::unexpected(e);
}

Result<Resource> RestMapper::resource_for(const Json& object) {
  if (!object.is_object() || !object.contains("apiVersion") || !object.contains("kind")) {
    return std::unexpected(make_error(ErrorKind::kBadRequest, "object has no apiVersion or kind"));
  }
  return resource_for(GroupVersionKind::from(object.value("apiVersion", ""), object.value("kind", "")));
}

}  // namespace pave::kube
