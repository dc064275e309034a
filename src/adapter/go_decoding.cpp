#include "adapter/go_decoding.h"

#include <cctype>

#include "kube/yaml.h"

namespace pave::adapter {
namespace {

using kube::ErrorKind;
using kube::Json;

kube::Error unmarshal_error(const Json& value, const GoStruct& s, std::string_view field, std::string_view go_type) {
  return kube::make_error(ErrorKind::kInvalid, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
                                                   std::string(json_type_word(value)) + " into Go struct field " +
                                                   std::string(s.type_name) + "." + std::string(field) + " of type " +
                                                   std::string(go_type));
}

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Go's quoting in time's error messages: the text in double quotes, quotes and backslashes escaped.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}


}  // namespace

std::string_view json_type_word(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::null: return "null";
    default: return "number";
  }
}

const Json* go_member(const Json& object, std::string_view field) {
  if (!object.is_object()) return nullptr;
  if (auto it = object.find(std::string(field)); it != object.end()) return &*it;
  for (const auto& [key, value] : object.items()) {
    if (equal_fold(key, field)) return &value;
  }
  return nullptr;
}

kube::Result<std::string> go_string(const GoStruct& s, std::string_view field) {
  const Json* v = go_member(s.object, field);
  if (!v) return std::string();
  if (auto text = kube::kubectl_string_value(*v)) return *text;
  return std::unexpected(unmarshal_error(*v, s, field, "string"));
}

kube::Result<bool> go_bool(const GoStruct& s, std::string_view field) {
  const Json* v = go_member(s.object, field);
  if (!v || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  return std::unexpected(unmarshal_error(*v, s, field, "bool"));
}

kube::Result<std::map<std::string, std::string>> go_string_map(const GoStruct& s, std::string_view field) {
  std::map<std::string, std::string> out;
  const Json* v = go_member(s.object, field);
  if (!v || v->is_null()) return out;
  if (!v->is_object()) return std::unexpected(unmarshal_error(*v, s, field, "map[string]string"));
  for (const auto& [key, value] : v->items()) {
    auto text = kube::kubectl_string_value(value);
    if (!text) return std::unexpected(unmarshal_error(value, s, field, "string"));
    out[key] = *text;
  }
  return out;
}

}  // namespace pave::adapter
