#include "workflow/fields.h"

namespace pave::workflow::fields {

using kube::ErrorKind;
using kube::Json;

std::string path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

kube::Error invalid_value(std::string_view path, std::string_view expected, const Json& got) {
  return kube::make_error(ErrorKind::kInvalid, "invalid value for \"" + std::string(path) + "\": expected " +
                                                   std::string(expected) + ", got " + got.dump());
}

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

kube::Status read_string(const Json& object, std::string_view key, std::string_view prefix, std::string& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  if (!v->is_string()) return std::unexpected(invalid_value(path(prefix, key), "a string", *v));
  out = v->get<std::string>();
  return {};
}

kube::Status read_bool(const Json& object, std::string_view key, std::string_view prefix, bool& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  if (!v->is_boolean()) return std::unexpected(invalid_value(path(prefix, key), "true or false", *v));
  out = v->get<bool>();
  return {};
}

kube::Status read_int(const Json& object, std::string_view key, std::string_view prefix, int64_t min, int64_t max,
                      int64_t& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  bool in_range = v->is_number_integer() &&
                  (v->is_number_unsigned() ? v->get<uint64_t>() <= static_cast<uint64_t>(max)
                                           : v->get<int64_t>() >= min && v->get<int64_t>() <= max);
  if (!in_range) {
    std::string expected = min >= 0 ? "a non-negative integer" : "an integer";
    if (v->is_number_integer()) expected += " up to " + std::to_string(max);
    return std::unexpected(invalid_value(path(prefix, key), expected, *v));
  }
  out = v->get<int64_t>();
  return {};
}

kube::Status read_strings(const Json& object, std::string_view key, std::string_view prefix,
                          std::vector<std::string>& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  if (!v->is_array()) return std::unexpected(invalid_value(path(prefix, key), "a list of strings", *v));
  std::vector<std::string> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      return std::unexpected(invalid_value(path(prefix, key) + "[" + std::to_string(i) + "]", "a string", item));
    }
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
  return {};
}

kube::Status read_string_map(const Json& object, std::string_view key, std::string_view prefix,
                             std::map<std::string, std::string>& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  if (!v->is_object()) return std::unexpected(invalid_value(path(prefix, key), "a map of strings", *v));
  std::map<std::string, std::string> items;
  for (const auto& [k, value] : v->items()) {
    if (!value.is_string()) return std::unexpected(invalid_value(path(path(prefix, key), k), "a string", value));
    items[k] = value.get<std::string>();
  }
  out = std::move(items);
  return {};
}

kube::Status read_objects(const Json& object, std::string_view key, std::string_view prefix, std::vector<Json>& out) {
  const Json* v = member(object, key);
  if (!v) return {};
  if (!v->is_array()) return std::unexpected(invalid_value(path(prefix, key), "a list of objects", *v));
  std::vector<Json> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_object()) {
      return std::unexpected(invalid_value(path(prefix, key) + "[" + std::to_string(i) + "]", "an object", item));
    }
    items.push_back(item);
  }
  out = std::move(items);
  return {};
}

kube::Result<const Json*> read_section(const Json& object, std::string_view key, std::string_view prefix) {
  const Json* v = member(object, key);
  if (!v) return nullptr;
  if (!v->is_object()) return std::unexpected(invalid_value(path(prefix, key), "a map", *v));
  return v;
}

}  // namespace pave::workflow::fields
