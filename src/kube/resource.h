// Names of API types: group/version/kind, and the REST resource that serves a kind.
#pragma once

#include <string>
#include <string_view>

namespace pave::kube {

struct GroupVersionKind {
  std::string group;    // "" for the core group
  std::string version;
  std::string kind;

  // "apps/v1" or "v1".
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  static GroupVersionKind from(std::string_view api_version, std::string_view kind);
  auto operator<=>(const GroupVersionKind&) const = default;
};

// A REST resource: where a kind is served and whether it lives in namespaces.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;       // "deployments"
  std::string kind;         // "Deployment"
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }

  // "/api/v1" or "/apis/apps/v1".
  std::string group_version_path() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }

  // The collection path in a namespace (ignored for cluster-scoped resources; empty means all).
  std::string collection_path(std::string_view ns = {}) const;

  // The path of one object, optionally of its subresource ("status", "scale", "token").
  std::string object_path(std::string_view ns, std::string_view name, std::string_view subresource = {}) const;

  auto operator<=>(const Resource&) const = default;
};

// Accept headers asking for PartialObjectMetadata (names, labels, owners; no spec or data): a list
// answers as a PartialObjectMetadataList, a watch as a stream of PartialObjectMetadata.
inline constexpr const char* kMetadataOnlyListAccept =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
inline constexpr const char* kMetadataOnlyWatchAccept =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

// Well-known resources, so code that needs them does not have to discover them.
namespace resources {
Resource namespaces();
Resource configmaps();
Resource secrets();
Resource pods();
Resource service_accounts();
Resource events();  // events.k8s.io/v1
Resource leases();  // coordination.k8s.io/v1
Resource jobs();
Resource nodes();
Resource custom_resource_definitions();
Resource roles();
Resource role_bindings();
Resource cluster_roles();
Resource cluster_role_bindings();
}  // namespace resources

}  // namespace pave::kube
