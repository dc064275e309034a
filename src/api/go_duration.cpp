#include "api/go_duration.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>

namespace pave::api {
namespace {

using kube::ErrorKind;
using kube::make_error;

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // Go's durations are int64 nanoseconds

// Go quotes the input in its messages with %q; durations are plain ASCII in practice, so escaping quotes and
// backslashes is enough to keep the message unambiguous.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

kube::Error invalid(std::string_view text) {
  return make_error(ErrorKind::kInvalid, "time: invalid duration " + quoted(text));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit; the two micro signs are Go's too (U+00B5 and U+03BC).
std::optional<uint64_t> unit_nanos(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 9> units{{
      {"ns", 1},
      {"us", 1'000},
      {"\xc2\xb5s", 1'000},
      {"\xce\xbcs", 1'000},
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  for (const auto& [name, nanos] : units) {
    if (name == unit) return nanos;
  }
  return std::nullopt;
}

// The leading digits of s as an integer; nullopt when they exceed Go's range.
std::optional<uint64_t> leading_int(std::string_view& s) {
  uint64_t v = 0;
  while (!s.empty() && is_digit(s.front())) {
    if (v > (kMaxMagnitude - 1) / 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(s.front() - '0');
    if (v > kMaxMagnitude) return std::nullopt;
    s.remove_prefix(1);
  }
  return v;
}

// The digits after a decimal point as a fraction value/scale; digits past int64 precision are dropped.
std::pair<uint64_t, double> leading_fraction(std::string_view& s) {
  uint64_t value = 0;
  double scale = 1;
  bool overflow = false;
  while (!s.empty() && is_digit(s.front())) {
    if (!overflow) {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        overflow = true;
      } else {
        value = value * 10 + static_cast<uint64_t>(s.front() - '0');
        scale *= 10;
      }
    }
    s.remove_prefix(1);
  }
  return {value, scale};
}

}  // namespace

kube::Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::unexpected(invalid(text));

  uint64_t total = 0;  // nanoseconds
  while (!s.empty()) {
    if (!is_digit(s.front()) && s.front() != '.') return std::unexpected(invalid(text));
    size_t before = s.size();
    auto whole = leading_int(s);
    if (!whole) return std::unexpected(invalid(text));
    bool had_whole = s.size() != before;
    uint64_t frac = 0;
    double scale = 1;
    bool had_frac = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      size_t at = s.size();
      std::tie(frac, scale) = leading_fraction(s);
      had_frac = s.size() != at;
    }
    if (!had_whole && !had_frac) return std::unexpected(invalid(text));  // "." or ".s"

    size_t unit_end = 0;
    while (unit_end < s.size() && s[unit_end] != '.' && !is_digit(s[unit_end])) ++unit_end;
    if (unit_end == 0) {
      return std::unexpected(make_error(ErrorKind::kInvalid, "time: missing unit in duration " + quoted(text)));
    }
    std::string_view unit_text = s.substr(0, unit_end);
    s.remove_prefix(unit_end);
    auto unit = unit_nanos(unit_text);
    if (!unit) {
      return std::unexpected(make_error(ErrorKind::kInvalid,
                                        "time: unknown unit " + quoted(unit_text) + " in duration " + quoted(text)));
    }
    if (*whole > kMaxMagnitude / *unit) return std::unexpected(invalid(text));
    uint64_t v = *whole * *unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(*unit) / scale));
      if (v > kMaxMagnitude) return std::unexpected(invalid(text));
    }
    total += v;
    if (total > kMaxMagnitude) return std::unexpected(invalid(text));
  }
  if (!negative && total == kMaxMagnitude) return std::unexpected(invalid(text));
  if (total == kMaxMagnitude) return std::chrono::nanoseconds(INT64_MIN);  // exactly -2^63
  const auto magnitude = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -magnitude : magnitude);
}

std::string format_go_duration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 0) return "-" + format_go_duration(std::chrono::milliseconds(-ms));
  if (ms < 1000) return std::to_string(ms) + "ms";
  int64_t hours = ms / 3'600'000;
  int64_t minutes = ms / 60'000 % 60;
  int64_t seconds = ms / 1000 % 60;
  int64_t millis = ms % 1000;
  std::string out;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(seconds);
  if (millis > 0) {
    std::string frac = std::to_string(millis);
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace pave::api
