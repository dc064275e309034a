// The part of kubectl's JSONPath templates (`-o jsonpath=...`) that the tests use, evaluated in-process:
// a test polling an object's field would otherwise start kubectl, some 40-70 ms of CPU a time, which was
// about a quarter of the suite's CPU. What is outside that part is refused (nothing returned), and the
// caller runs kubectl instead, so an answer is either kubectl's or none.
//
// Understood: literal text between expressions; {.a.b} with `\.` inside a name; [N] within the array;
// [*] on an array; [?(@.path=="text")] and !=, with a quoted or integer literal; {range PATH}...{end};
// {"text"} with \n, \t, \" and \\ escapes. Several results of one expression are joined by a space, as
// kubectl prints them; a missing field gives nothing, as kubectl's `get` (which allows missing keys).
// Strings print raw, integers and booleans as JSON, lists and maps as compact JSON with sorted keys and
// <, >, & escaped, as Go's encoding/json writes them.
#pragma once

#include <optional>
#include <string>

#include "kube/json.h"

namespace pave::testing {

std::optional<std::string> evaluate_jsonpath(const std::string& template_text, const kube::Json& root);

}  // namespace pave::testing
