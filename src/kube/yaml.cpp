#include "kube/yaml.h"
#include "kube/yaml_loader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <yaml-cpp/yaml.h>

#include "base/encoding.h"

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
    return std::strtod(s.c_str(), nullptr);  // out of 64-bit range: keep the magnitude
  }
  // strtod, not stod: a float beyond a double's range is infinite, not an exception.
  if (std::regex_match(s, float_pattern())) return std::strtod(s.c_str(), nullptr);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return INFINITY;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -INFINITY;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NAN;
  return s;
}

// ---- YAML as kubectl reads it: go-yaml v2's resolve() and sigs.k8s.io/yaml's JSON conversion ----

constexpr const char* kTagStr = "tag:yaml.org,2002:str";
constexpr const char* kTagBinary = "tag:yaml.org,2002:binary";
constexpr const char* kTagInt = "tag:yaml.org,2002:int";
constexpr const char* kTagFloat = "tag:yaml.org,2002:float";
constexpr const char* kTagBool = "tag:yaml.org,2002:bool";
constexpr const char* kTagNull = "tag:yaml.org,2002:null";
constexpr const char* kTagTimestamp = "tag:yaml.org,2002:timestamp";

Error decode_error(std::string message) { return make_error(ErrorKind::kDecode, std::move(message)); }

// Go's strconv.ParseUint: base 0 reads the 0x/0o/0b prefixes and a leading 0 as octal. No sign.
std::optional<uint64_t> go_parse_uint(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  if (base == 0) {
    base = 10;
    if (s[0] == '0') {
      const char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
      base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
      s.remove_prefix(p == 'b' || p == 'o' || p == 'x' ? 2 : 1);
    }
  }
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return std::nullopt;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

// Go's strconv.ParseInt(s, base, 64): an optional sign, then ParseUint, within int64.
std::optional<int64_t> go_parse_int(std::string_view s, int base) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) negative = s[0] == '-', s.remove_prefix(1);
  auto u = go_parse_uint(s, base);
  if (!u) return std::nullopt;
  constexpr uint64_t kCutoff = uint64_t{1} << 63;
  if (negative ? *u > kCutoff : *u >= kCutoff) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - *u) : static_cast<int64_t>(*u);
}

// strtod on text already known to be a decimal float; nothing when it overflows, as Go's ParseFloat
// fails there (underflow gives 0 in both).
std::optional<double> parse_decimal_float(const std::string& s) {
  errno = 0;
  double d = std::strtod(s.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(d)) return std::nullopt;
  return d;
}

// The words go-yaml v2 resolves before anything else.
const std::map<std::string, Json, std::less<>>& yaml11_words() {
  static const std::map<std::string, Json, std::less<>> words = [] {
    std::map<std::string, Json, std::less<>> m;
    for (const char* w : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) m[w] = true;
    for (const char* w : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) m[w] = false;
    for (const char* w : {"", "~", "null", "Null", "NULL"}) m[w] = nullptr;
    for (const char* w : {".nan", ".NaN", ".NAN"}) m[w] = NAN;
    for (const char* w : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}) m[w] = INFINITY;
    for (const char* w : {"-.inf", "-.Inf", "-.INF"}) m[w] = -INFINITY;
    return m;
  }();
  return words;
}

// A plain scalar that starts with a digit or a sign: an integer, a float, or in the end a string.
Json resolve_yaml11_number(const std::string& s) {
  std::string plain = s;
  std::erase(plain, '_');
  if (auto i = go_parse_int(plain, 0)) return Json(*i);
  if (auto u = go_parse_uint(plain, 0)) return *u;
  static const std::regex yaml_style_float(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(plain, yaml_style_float)) {
    if (auto d = parse_decimal_float(plain)) return *d;
  }
  // Reached only when the prefix read above failed, e.g. "0b+1": go-yaml then retries the digits alone.
  std::string_view p = plain;
  if (p.starts_with("0b")) {
    if (auto i = go_parse_int(p.substr(2), 2)) return Json(*i);
    if (auto u = go_parse_uint(p.substr(2), 2)) return *u;
  } else if (p.starts_with("-0b")) {
    if (auto i = go_parse_int("-" + std::string(p.substr(3)), 2)) return Json(*i);
  }
  return s;
}

// The value of a plain scalar under go-yaml v2's resolve(), which is YAML 1.1's with Go's number syntax.
Json resolve_yaml11(const std::string& s) {
  const auto& words = yaml11_words();
  if (auto it = words.find(s); it != words.end()) return it->second;
  const char first = s.front();  // s is not empty: "" is a word
  if (first == '.') {
    static const std::regex dot_float(R"(\.[0-9]+([eE][-+]?[0-9]+)?)");
    if (std::regex_match(s, dot_float)) {
      if (auto d = parse_decimal_float(s)) return *d;
    }
    return s;
  }
  if (first == '+' || first == '-' || (first >= '0' && first <= '9')) return resolve_yaml11_number(s);
  return s;
}

// A tagged or untagged scalar as go-yaml v2 decodes it into an interface{}.
Result<Json> scalar_value_kubectl(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "?" || tag.empty()) return resolve_yaml11(text);
  if (tag == "!" || tag == kTagStr || tag == kTagTimestamp) return Json(text);
  if (tag == kTagBinary) {
    if (auto bytes = base::base64_decode(text)) return Json(*bytes);
    return std::unexpected(decode_error("!!binary value contains invalid base64 data"));
  }
  if (tag != kTagInt && tag != kTagFloat && tag != kTagBool && tag != kTagNull) return Json(text);  // app tags
  Json v = resolve_yaml11(text);
  if (tag == kTagFloat && v.is_number_integer()) return Json(v.get<double>());
  const bool fits = tag == kTagInt ? v.is_number_integer() : tag == kTagFloat ? v.is_number_float()
                  : tag == kTagBool ? v.is_boolean() : v.is_null();
  if (!fits) return std::unexpected(decode_error("cannot decode `" + text + "` as a !!" + tag.substr(tag.rfind(':') + 1)));
  return v;
}

// Go's strconv.FormatFloat(v, 'g', -1, 32): the shortest digits that read back as the same float32,
// in %e form (two-digit exponent at least) when the exponent is below -4 or at least 6.
std::string go_format_float32(double v) {
  const float f = static_cast<float>(v);
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, end);                        // e.g. "-1.234567e+06"
  const bool negative = sci.front() == '-';
  const size_t e = sci.find('e');
  std::string digits = sci.substr(negative ? 1 : 0, e - (negative ? 1 : 0));
  std::erase(digits, '.');
  const int exp = std::stoi(sci.substr(e + 1));
  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    const int mag = std::abs(exp);
    return out + (exp < 0 ? "e-" : "e+") + (mag < 10 ? "0" : "") + std::to_string(mag);
  }
  if (exp < 0) return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) return out + digits + std::string(int_digits - digits.size(), '0');
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

// A decoded map key as the JSON key sigs.k8s.io/yaml writes for it.
Result<std::string> kubectl_key(const Json& key) {
  if (key.is_string()) return key.get<std::string>();
  if (key.is_boolean()) return std::string(key.get<bool>() ? "true" : "false");
  if (key.is_number_unsigned() && key.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return std::unexpected(decode_error("error converting YAML to JSON: unsupported map key of type: uint64"));
  }
  if (key.is_number_integer()) return std::to_string(key.get<int64_t>());
  if (key.is_number_float()) {
    std::string s = go_format_float32(key.get<double>());
    return s == "+Inf" ? ".inf" : s == "-Inf" ? "-.inf" : s == "NaN" ? ".nan" : s;
  }
  return std::unexpected(decode_error("error converting YAML to JSON: unsupported map key: null"));
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

Result<Json> to_json(const YAML::Node& node, YamlReading reading);

bool is_merge_key(const YAML::Node& key) { return key.IsScalar() && key.Scalar() == "<<" && key.Tag() == "?"; }

// go-yaml v2's "<<": a mapping's keys are set as if written here (so keys after "<<" win over it), and a
// list of mappings is merged last to first, so the first mapping of the list wins.
Status merge_into(Json& out, const YAML::Node& value, YamlReading reading) {
  std::vector<YAML::Node> maps;
  if (value.IsMap()) {
    maps.push_back(value);
  } else if (value.IsSequence()) {
    for (auto it = value.begin(); it != value.end(); ++it) maps.insert(maps.begin(), *it);
  }
  if (maps.empty() || std::any_of(maps.begin(), maps.end(), [](const YAML::Node& m) { return !m.IsMap(); })) {
    return std::unexpected(decode_error("map merge requires map or sequence of maps as the value"));
  }
  for (const auto& m : maps) {
    auto merged = to_json(m, reading);
    if (!merged) return std::unexpected(merged.error());
    for (auto& [k, v] : merged->items()) out[k] = std::move(v);
  }
  return {};
}

Result<std::string> map_key(const YAML::Node& key, YamlReading reading) {
  if (!key.IsScalar()) {
    if (reading == YamlReading::kKubectl && key.IsNull()) return kubectl_key(nullptr);
    return std::unexpected(decode_error("YAML map key is not a scalar"));
  }
  if (reading == YamlReading::kCore12) return key.Scalar();
  auto k = scalar_value_kubectl(key);
  if (!k) return std::unexpected(k.error());
  return kubectl_key(*k);
}

bool is_float_zero_key(const YAML::Node& key, const std::string& json_key) {
  if (json_key != "0" && json_key != "-0") return false;
  return key.IsScalar() && scalar_value_kubectl(key).value_or(Json()).is_number_float();
}

Result<Json> map_to_json(const YAML::Node& node, YamlReading reading) {
  Json out = Json::object();
  std::string float_zero;  // the JSON key of a 0.0 or -0.0 key so far: one Go map key, spelled as last written
  for (const auto& kv : node) {
    if (reading == YamlReading::kKubectl && is_merge_key(kv.first)) {
      if (auto merged = merge_into(out, kv.second, reading); !merged) return std::unexpected(merged.error());
      continue;
    }
    auto key = map_key(kv.first, reading);
    if (!key) return std::unexpected(key.error());
    auto v = to_json(kv.second, reading);
    if (!v) return v;
    if (reading == YamlReading::kKubectl && is_float_zero_key(kv.first, *key)) {
      if (!float_zero.empty() && float_zero != *key) out.erase(float_zero);
      float_zero = *key;
    }
    out[*key] = std::move(*v);
  }
  return out;
}

Result<Json> to_json(const YAML::Node& node, YamlReading reading) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      return reading == YamlReading::kKubectl ? scalar_value_kubectl(node) : Result<Json>(scalar_value(node));
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        auto v = to_json(item, reading);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map:
      return map_to_json(node, reading);
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
  if (s.empty() || !resolve_plain(s).is_string() || !resolve_yaml11(s).is_string() || yaml11_special(s)) return true;
  if (std::isspace(static_cast<unsigned char>(s.front())) || std::isspace(static_cast<unsigned char>(s.back()))) {
    return true;
  }
  // "--- x" and "... x" at the start of a line are document markers, which yaml-cpp's emitter writes plain
  // (found by yaml_fuzz: a top-level key "--- [2, 3]" became a new document).
  if ((s.starts_with("---") || s.starts_with("...")) && (s.size() == 3 || std::isspace(static_cast<unsigned char>(s[3])))) {
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

// yaml-cpp's emitter writes U+FFFD in place of the Unicode noncharacters (U+FDD0-U+FDEF and the last two
// code points of every plane), which JSON and YAML both allow: a string holding one would not read back
// (found by test/fuzz/yaml_fuzz). It writes DEL raw, which YAML does not allow unescaped (go-yaml, so
// kubectl, refuses the document), and U+2028 and U+2029 raw, which YAML 1.1 readers take for line breaks.
// Strings holding any of these are written here instead, double-quoted with escapes.
bool is_noncharacter(char32_t cp) { return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE; }

bool needs_writing_by_hand(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = base::utf8_sequence_length(s, i);
    const char32_t cp = n == 0 ? 0xFFFD : base::utf8_code_point(s, i, n);
    if (cp == 0x7F || cp == 0x2028 || cp == 0x2029 || is_noncharacter(cp)) return true;
    i += n == 0 ? 1 : n;
  }
  return false;
}

// s as a YAML double-quoted scalar that every reader (YAML 1.1 or 1.2) reads back as s: ASCII controls, C1
// controls, line and paragraph separators, the byte order mark and noncharacters escaped; bytes that are
// not UTF-8 become U+FFFD, as the emitter writes them.
std::string double_quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const size_t n = base::utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const char32_t cp = base::utf8_code_point(s, i, n);
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
               is_noncharacter(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, cp <= 0xFF ? "\\x%02X" : cp <= 0xFFFF ? "\\u%04X" : "\\U%08X",
                    static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + '"';
}

// One to_yaml: the emitter, and the strings written by hand (above) with the placeholder each stands in
// for. The placeholders start with a marker that no string or key of the value contains.
struct Emission {
  explicit Emission(const Json& whole) : whole(whole) {}

  const Json& whole;
  YAML::Emitter out;
  std::string marker;
  std::vector<std::pair<std::string, std::string>> by_hand;  // placeholder, its double-quoted text

  void scalar(const std::string& s) {
    if (needs_writing_by_hand(s)) {
      if (marker.empty()) {
        const std::string dumped = whole.dump(-1, ' ', false, Json::error_handler_t::replace);
        for (int n = 0; marker.empty() || dumped.find(marker) != std::string::npos; ++n) {
          marker = "pave-by-hand-" + std::to_string(n) + "-";
        }
      }
      std::string placeholder = marker + std::to_string(by_hand.size());
      by_hand.emplace_back("\"" + placeholder + "\"", double_quoted(s));
      out << YAML::DoubleQuoted << placeholder;
      return;
    }
    if (needs_quotes(s)) out << YAML::DoubleQuoted;
    out << s;
  }

  // The emitter's text with each placeholder replaced (they appear in the order they were made).
  std::string text() const {
    const std::string emitted = out.c_str();
    std::string s;
    size_t from = 0;
    for (const auto& [placeholder, quoted] : by_hand) {
      const size_t at = emitted.find(placeholder, from);
      if (at == std::string::npos) continue;
      s.append(emitted, from, at - from).append(quoted);
      from = at + placeholder.size();
    }
    return s.append(emitted, from);
  }
};

void emit(Emission& e, const Json& v) {
  YAML::Emitter& out = e.out;
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
      e.scalar(v.get_ref<const std::string&>());
      break;
    }
    case Json::value_t::array:
      if (v.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(e, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::object:
      if (v.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        // An implicit key is at most 1024 characters as written (YAML 1.2, 7.4.2), escapes included: a long
        // one is written explicitly ("? key" then ": value"), or no reader could read it back. Found by
        // test/fuzz/yaml_fuzz.
        if (key.size() > 250) out << YAML::LongKey;  // escaped, 250 characters stay under 1024
        out << YAML::Key;
        e.scalar(key);
        out << YAML::Value;
        emit(e, item);
      }
      out << YAML::EndMap;
      break;
    default:
      out << YAML::Null;
  }
}

}  // namespace

namespace {

// A value read from valid UTF-8 can still hold bytes that are not (a !!binary scalar, a \x escape):
// JSON strings must be UTF-8, so those become U+FFFD as they do on their way through sigs.k8s.io/yaml.
void make_valid_utf8(Json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (base::invalid_utf8_at(s) != std::string_view::npos) v = base::valid_utf8(s);
  } else if (v.is_array()) {
    for (Json& item : v) make_valid_utf8(item);
  } else if (v.is_object()) {
    bool keys_valid = true;
    for (auto& [key, item] : v.items()) {
      keys_valid = keys_valid && base::invalid_utf8_at(key) == std::string_view::npos;
      make_valid_utf8(item);
    }
    if (keys_valid) return;
    Json fixed = Json::object();
    for (auto& [key, item] : v.items()) fixed[base::valid_utf8(key)] = std::move(item);
    v = std::move(fixed);
  }
}

}  // namespace

Result<std::vector<Json>> parse_yaml_documents(std::string_view yaml, YamlReading reading) {
  // As Go's YAML readers, text that is not UTF-8 is refused (a JSON string could not hold it).
  if (const size_t at = base::invalid_utf8_at(yaml); at != std::string_view::npos) {
    return std::unexpected(make_error(ErrorKind::kDecode, "invalid YAML: not UTF-8 at byte " + std::to_string(at)));
  }
  std::vector<YAML::Node> docs;
  try {
    docs = detail::load_all_documents(yaml);
  } catch (const YAML::Exception& e) {
    return std::unexpected(make_error(ErrorKind::kDecode, std::string("invalid YAML: ") + e.what()));
  }
  std::vector<Json> out;
  for (const auto& doc : docs) {
    if (doc.IsNull() || !doc.IsDefined()) continue;
    auto v = to_json(doc, reading);
    if (!v) return std::unexpected(v.error());
    make_valid_utf8(*v);
    out.push_back(std::move(*v));
  }
  return out;
}

Result<Json> parse_yaml(std::string_view yaml, YamlReading reading) {
  auto docs = parse_yaml_documents(yaml, reading);
  if (!docs) return std::unexpected(docs.error());
  if (docs->size() > 1) return std::unexpected(make_error(ErrorKind::kDecode, "expected one YAML document"));
  return docs->empty() ? Json(nullptr) : std::move(docs->front());
}

std::optional<std::string> kubectl_string_value(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return std::string();
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return std::string(value.get<bool>() ? "true" : "false");
    case Json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float:
      return go_format_float32(value.get<double>());
    default:
      return std::nullopt;
  }
}

std::string to_yaml(const Json& value) {
  Emission e(value);
  e.out.SetIndent(2);
  e.out.SetSeqFormat(YAML::Block);
  emit(e, value);
  std::string s = e.text();
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
