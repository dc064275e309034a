#include "kube/yaml.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <regex>
#include <yaml-cpp/yaml.h>

namespace pave::kube {
namespace {

const std::regex& int_pattern() {
  static const std::regex re("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
  return re;
}

const std::regex& float_pattern() {
  static const std::regex re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return re;
}

// The value of a plain (unquoted, untagged) scalar under the YAML 1.2 core schema.
Json resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, int_pattern())) {
    int base = 10;
    std::string_view digits = s;
    if (s.starts_with("0o")) base = 8, digits.remove_prefix(2);
    if (s.starts_with("0x")) base = 16, digits.remove_prefix(2);
    bool negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (ec == std::errc() && p == digits.data() + digits.size()) {
      if (!negative) return v <= INT64_MAX ? Json(static_cast<int64_t>(v)) : Json(v);
      if (v <= static_cast<uint64_t>(INT64_MAX) + 1) return Json(static_cast<int64_t>(0 - v));
    }
    return std::stod(s);  // out of 64-bit range: keep the magnitude
  }
  if (std::regex_match(s, float_pattern())) return std::stod(s);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return INFINITY;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -INFINITY;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NAN;
  return s;
}

Json scalar_value(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;  // quoted, or explicitly a string
  if (tag == "?" || tag.empty()) return resolve_plain(text);
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
      tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
    return resolve_plain(text);
  }
  return text;  // an application tag: keep the text
}

Result<Json> to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      return scalar_value(node);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        auto v = to_json(item);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return std::unexpected(make_error(ErrorKind::kDecode, "YAML map key is not a scalar"));
        auto v = to_json(kv.second);
        if (!v) return v;
        out[kv.first.Scalar()] = std::move(*v);
      }
      return out;
    }
  }
  return Json(nullptr);
}

// Whether a YAML 1.1 reader (Go's yaml.v2, PyYAML) would take this plain text for a non-string.
bool yaml11_special(const std::string& s) {
  static const char* words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON",
                                "off", "Off", "OFF", "=", "<<"};
  for (const char* w : words) {
    if (s == w) return true;
  }
  static const std::regex sexagesimal(R"([-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)");
  static const std::regex underscored(R"([-+]?(0b[01_]+|0[0-7_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?))");
  return std::regex_match(s, sexagesimal) || std::regex_match(s, underscored);
}

bool needs_quotes(const std::string& s) {
  if (s.empty() || !resolve_plain(s).is_string() || yaml11_special(s)) return true;
  if (std::isspace(static_cast<unsigned char>(s.front())) || std::isspace(static_cast<unsigned char>(s.back()))) {
    return true;
  }
  // Control characters (line breaks, tabs, CR) only survive inside double quotes, as escapes.
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

std::string number_text(const Json& v) {
  if (v.is_number_integer()) return v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                                          : std::to_string(v.get<int64_t>());
  double d = v.get<double>();
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, p);
  // A float must not read back as an integer.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

void emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      out << YAML::Null;
      break;
    case Json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      out << number_text(v);
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (needs_quotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case Json::value_t::array:
      if (v.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::object:
      if (v.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        out << YAML::Key;
        if (needs_quotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    default:
      out << YAML::Null;
  }
}

}  // namespace

Result<std::vector<Json>> parse_yaml_documents(std::string_view yaml) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return std::unexpected(make_error(ErrorKind::kDecode, std::string("invalid YAML: ") + e.what()));
  }
  std::vector<Json> out;
  for (const auto& doc : docs) {
    if (doc.IsNull() || !doc.IsDefined()) continue;
    auto v = to_json(doc);
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

Result<Json> parse_yaml(std::string_view yaml) {
  auto docs = parse_yaml_documents(yaml);
  if (!docs) return std::unexpected(docs.error());
  if (docs->size() > 1) return std::unexpected(make_error(ErrorKind::kDecode, "expected one YAML document"));
  return docs->empty() ? Json(nullptr) : std::move(docs->front());
}

std::string to_yaml(const Json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, value);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

std::string to_yaml_documents(const std::vector<Json>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += "---\n";
    out += to_yaml(values[i]);
  }
  return out;
}

}  // namespace pave::kube
