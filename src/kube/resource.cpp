#include "kube/resource.h"

#include "kube/transport.h"

namespace pave::kube {

GroupVersionKind GroupVersionKind::from(std::string_view api_version, std::string_view kind) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return {"", std::string(api_version), std::string(kind)};
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1)), std::string(kind)};
}

std::string Resource::collection_path(std::string_view ns) const {
  std::string path = group_version_path();
  if (namespaced && !ns.empty()) path += "/namespaces/" + url_escape(ns);
  return path + "/" + plural;
}

std::string Resource::object_path(std::string_view ns, std::string_view name, std::string_view subresource) const {
  std::string path = collection_path(ns) + "/" + url_escape(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

namespace resources {
Resource namespaces() { return {"", "v1", "namespaces", "Namespace", false}; }
Resource configmaps() { return {"", "v1", "configmaps", "ConfigMap", true}; }
Resource secrets() { return {"", "v1", "secrets", "Secret", true}; }
Resource pods() { return {"", "v1", "pods", "Pod", true}; }
Resource service_accounts() { return {"", "v1", "serviceaccounts", "ServiceAccount", true}; }
Resource events() { return {"events.k8s.io", "v1", "events", "Event", true}; }
Resource leases() { return {"coordination.k8s.io", "v1", "leases", "Lease", true}; }
Resource jobs() { return {"batch", "v1", "jobs", "Job", true}; }
Resource nodes() { return {"", "v1", "nodes", "Node", false}; }
Resource roles() { return {"rbac.authorization.k8s.io", "v1", "roles", "Role", true}; }
Resource role_bindings() { return {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true}; }
Resource cluster_roles() { return {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false}; }
Resource cluster_role_bindings() { return {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false}; }
Resource custom_resource_definitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}
}  // namespace resources

}  // namespace pave::kube
