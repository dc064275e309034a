#include "kube/object.h"

#include <algorithm>

namespace pave::kube {

const Json& child(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it == object.end() ? kEmpty : *it;
}

std::string string_at(const Json& object, const char* key) {
  const Json& v = child(object, key);
  return v.is_string() ? v.get<std::string>() : "";
}

Json merge_patch_between(const Json& from, const Json& to) {
  if (!from.is_object() || !to.is_object()) return from == to ? Json::object() : to;
  Json patch = Json::object();
  for (const auto& [key, value] : to.items()) {
    auto it = from.find(key);
    if (it == from.end()) {
      patch[key] = value;
    } else if (*it != value) {
      patch[key] = it->is_object() && value.is_object() ? merge_patch_between(*it, value) : value;
    }
  }
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  return patch;
}

}  // namespace pave::kube

namespace pave::kube::meta {
namespace {

const Json* metadata(const Json& o) {
  if (!o.is_object()) return nullptr;
  auto it = o.find("metadata");
  return it != o.end() && it->is_object() ? &*it : nullptr;
}

std::map<std::string, std::string> string_map(const Json& o, const char* which) {
  std::map<std::string, std::string> out;
  const Json* m = metadata(o);
  if (!m) return out;
  auto it = m->find(which);
  if (it == m->end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace

std::string field(const Json& object, const char* f) {
  const Json* m = metadata(object);
  if (!m) return "";
  auto it = m->find(f);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t generation(const Json& o) {
  const Json* m = metadata(o);
  if (!m) return 0;
  auto it = m->find("generation");
  return it != m->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::map<std::string, std::string> labels(const Json& o) { return string_map(o, "labels"); }
std::map<std::string, std::string> annotations(const Json& o) { return string_map(o, "annotations"); }

std::string label(const Json& o, const std::string& key) {
  auto all = labels(o);
  auto it = all.find(key);
  return it == all.end() ? "" : it->second;
}

bool deleting(const Json& o) { return child(o, "metadata").contains("deletionTimestamp"); }

bool has_finalizer(const Json& o, const std::string& finalizer) {
  const Json* m = metadata(o);
  if (!m) return false;
  auto list = m->find("finalizers");
  if (list == m->end() || !list->is_array()) return false;
  return std::find(list->begin(), list->end(), finalizer) != list->end();
}

std::string key(const Json& o) {
  auto ns = namespace_of(o);
  return ns.empty() ? name(o) : ns + "/" + name(o);
}

}  // namespace pave::kube::meta
