// Go's time.ParseDuration, for the durations Kratix configuration and Promises are written in.
//
// A duration is an optionally signed sequence of decimal numbers, each with an optional fraction and a
// unit: "10h", "1m30s", "1.5h", "-2s", "500ms", "300us". Units are ns, us (or µs, μs), ms, s, m and h; "0"
// alone needs no unit. Anything else is an error with Go's own message, e.g.
//   parse_go_duration("90")  -> error "time: missing unit in duration \"90\""
//   parse_go_duration("1d")  -> error "time: unknown unit \"d\" in duration \"1d\""
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "kube/error.h"

namespace pave::api {

// The duration in nanoseconds, as Go holds it. Errors are kInvalid, with Go's messages.
kube::Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// A duration in Go's String() form, for messages and logs: 36000000ms -> "10h0m0s", 1500ms -> "1.5s", 0 -> "0s".
std::string format_go_duration(std::chrono::milliseconds d);

}  // namespace pave::api
