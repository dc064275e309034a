#include "adapter/go_decoding.h"

#include <cctype>
#include <ctime>

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

kube::Error duration_error(std::string message) { return kube::make_error(ErrorKind::kInvalid, std::move(message)); }

// The nanoseconds in one unit of a Go duration, or 0 for an unknown unit.
uint64_t unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") return 1'000;  // us, µs (U+00B5), μs (U+03BC)
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One "<number><unit>" element of a duration, consumed from the front of s and added to total.
kube::Status add_duration_element(std::string_view& s, std::string_view orig, uint64_t& total) {
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  const auto invalid = [orig] { return std::unexpected(duration_error("time: invalid duration " + go_quote(orig))); };
  if (!(s.front() == '.' || is_digit(s.front()))) return invalid();
  uint64_t whole = 0;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (whole > kLimit / 10) return invalid();
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    if (whole > kLimit) return invalid();
  }
  const bool pre = i > 0;
  uint64_t fraction = 0;
  double scale = 1;
  bool post = false;
  if (i < s.size() && s[i] == '.') {
    const size_t start = ++i;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (overflow || fraction > (kLimit - 1) / 10) { overflow = true; continue; }  // Go ignores digits past precision
      fraction = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
      scale *= 10;
    }
    post = i > start;
  }
  if (!pre && !post) return invalid();
  size_t unit_end = i;
  while (unit_end < s.size() && s[unit_end] != '.' && !is_digit(s[unit_end])) ++unit_end;
  if (unit_end == i) return std::unexpected(duration_error("time: missing unit in duration " + go_quote(orig)));
  const std::string_view unit = s.substr(i, unit_end - i);
  const uint64_t ns = unit_nanoseconds(unit);
  if (ns == 0) {
    return std::unexpected(duration_error("time: unknown unit " + go_quote(unit) + " in duration " + go_quote(orig)));
  }
  if (whole > kLimit / ns) return invalid();
  uint64_t v = whole * ns;
  if (fraction > 0) {
    v += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(ns) / scale));
    if (v > kLimit) return invalid();
  }
  total += v;
  if (total > kLimit) return invalid();
  s.remove_prefix(unit_end);
  return {};
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

kube::Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) negative = s.front() == '-', s.remove_prefix(1);
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::unexpected(duration_error("time: invalid duration " + go_quote(text)));
  uint64_t total = 0;
  while (!s.empty()) {
    if (auto added = add_duration_element(s, text, total); !added) return std::unexpected(added.error());
  }
  if (!negative && total > static_cast<uint64_t>(INT64_MAX)) {
    return std::unexpected(duration_error("time: invalid duration " + go_quote(text)));
  }
  if (total > static_cast<uint64_t>(INT64_MAX)) return std::chrono::nanoseconds(INT64_MIN);  // exactly -2^63
  const auto magnitude = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -magnitude : magnitude);
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace pave::adapter
