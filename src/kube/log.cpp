#include "kube/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <regex>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pave::kube::log {
namespace {

std::atomic<Format> g_format{Format::kText};
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_write_mu;

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

bool needs_quoting(std::string_view v) {
  return v.empty() || v.find_first_of(" \"=\n\t") != std::string_view::npos;
}

}  // namespace

std::string redact(std::string_view text) {
  static const std::regex patterns[] = {
      std::regex(R"((Bearer|bearer)\s+[A-Za-z0-9\-._~+/]+=*)"),
      std::regex(R"(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"),
      std::regex(R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$))"),
  };
  std::string out(text);
  if (out.find("earer") == std::string::npos && out.find("eyJ") == std::string::npos &&
      out.find("PRIVATE KEY") == std::string::npos) {
    return out;  // the common case: nothing that could match
  }
  for (const auto& re : patterns) out = std::regex_replace(out, re, "[REDACTED]");
  return out;
}

std::string format_line(Format format, Level level, std::string_view message, Fields fields) {
  if (format == Format::kJson) {
    nlohmann::ordered_json line = {{"ts", timestamp()}, {"level", level_name(level)}, {"msg", redact(message)}};
    for (const auto& f : fields) line[f.key] = redact(f.value);
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string line = fmt::format("{} {:<5} {}", timestamp(), level_name(level), redact(message));
  for (const auto& f : fields) {
    std::string v = redact(f.value);
    line += " " + f.key + "=" + (needs_quoting(v) ? nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : v);
  }
  return line;
}

void configure(Format format, Level level) {
  g_format = format;
  g_level = level;
}

bool enabled(Level level) { return level >= g_level.load(); }

void write(Level level, std::string_view message, Fields fields) {
  if (!enabled(level)) return;
  std::string line = format_line(g_format.load(), level, message, fields);
  line += '\n';
  std::lock_guard lock(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

bool parse_level(std::string_view s, Level& out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (s == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view s, Format& out) {
  if (s == "json") out = Format::kJson;
  else if (s == "text") out = Format::kText;
  else return false;
  return true;
}

}  // namespace pave::kube::log
