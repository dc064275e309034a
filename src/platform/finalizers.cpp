#include "platform/finalizers.h"

#include <algorithm>

#include "kube/object.h"

namespace pave::platform {

kube::Status set_owned_finalizers(const kube::Client& client, const kube::Resource& resource, const kube::Json& object,
                                  const std::vector<std::string>& owned, const std::vector<std::string>& wanted) {
  auto updated = update_owned_finalizers(client, resource, object, owned, wanted);
  if (!updated) return std::unexpected(updated.error());
  return {};
}

kube::Result<std::optional<kube::Json>> update_owned_finalizers(const kube::Client& client, const kube::Resource& resource,
                                                                const kube::Json& object, const std::vector<std::string>& owned,
                                                                const std::vector<std::string>& wanted) {
  kube::Json next = kube::Json::array();
  const kube::Json current = object["metadata"].value("finalizers", kube::Json::array());
  for (const auto& f : current) {
    if (!f.is_string() || std::find(owned.begin(), owned.end(), f.get<std::string>()) == owned.end()) next.push_back(f);
  }
  for (const auto& f : wanted) next.push_back(f);
  if (next == current) return std::nullopt;
  auto patched = client.patch(resource, kube::meta::namespace_of(object), kube::meta::name(object), kube::PatchType::kMerge,
                              {{"metadata", {{"finalizers", next}, {"resourceVersion", kube::meta::resource_version(object)}}}});
  if (!patched && patched.error().kind == kube::ErrorKind::kNotFound) return std::nullopt;
  if (!patched) return std::unexpected(patched.error());
  return std::move(*patched);
}

}  // namespace pave::platform
