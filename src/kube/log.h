// Structured logs: a message and key/value fields, written as one JSON object or one text line.
//
//   kube::log::info("reconciled", {{"controller", "promise"}, {"key", key}, {"ms", std::to_string(ms)}});
//   {"ts":"2026-11-25T10:00:00.123Z","level":"info","msg":"reconciled","controller":"promise",...}
//
// Secrets must never be passed in; as a second line of defence every message and value is scrubbed of
// bearer tokens, JWTs and PEM private keys before it is written.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pave::kube::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

struct Field {
  std::string key;
  std::string value;
};
using Fields = std::initializer_list<Field>;

// Sets the format and the lowest level written (to standard error). Defaults: text, info.
void configure(Format format, Level level);
bool enabled(Level level);

void write(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view m, Fields f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, Fields f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, Fields f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, Fields f = {}) { write(Level::kError, m, f); }

// The line write() would produce, without writing it (for tests).
std::string format_line(Format format, Level level, std::string_view message, Fields fields);

// Replaces anything that looks like a credential with [REDACTED].
std::string redact(std::string_view text);

// Parses "debug", "info", "warn", "error"; "json", "text".
bool parse_level(std::string_view s, Level& out);
bool parse_format(std::string_view s, Format& out);

}  // namespace pave::kube::log
