// Kubernetes timestamps.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pave::kube {

// t as metav1.Time, and Go's t.UTC().Format(time.RFC3339): 2026-11-25T10:00:00Z (whole seconds).
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Now as metav1.Time: 2026-11-25T10:00:00Z.
std::string time_now();

// Now as metav1.MicroTime: 2026-11-25T10:00:00.123456Z.
std::string micro_time_now();

// Parses RFC 3339 (fractional seconds and offsets allowed), to the second.
std::optional<std::chrono::sys_seconds> parse_rfc3339(const std::string& text);

}  // namespace pave::kube
