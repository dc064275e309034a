#include "kube/time.h"

#include <ctime>
#include <iomanip>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace pave::kube {

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string time_now() { return format_rfc3339(std::chrono::system_clock::now()); }

std::string micro_time_now() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1'000'000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), us);
}

std::optional<std::chrono::sys_seconds> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  std::string rest;
  std::getline(in, rest);
  size_t i = 0;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
  }
  long offset = 0;
  if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(rest.c_str() + i + 1, "%d:%d", &hh, &mm) != 2) return std::nullopt;
    offset = (rest[i] == '+' ? 1 : -1) * (hh * 3600L + mm * 60L);
  } else if (i >= rest.size() || (rest[i] != 'Z' && rest[i] != 'z')) {
    return std::nullopt;
  }
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm) - offset));
}

}  // namespace pave::kube
