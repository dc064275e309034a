// Reading the files pipelines write the way Kratix's Go code reads them, so a file means the same thing
// to Pave as to Kratix: sigs.k8s.io/yaml (kube::YamlReading::kKubectl) into Go structs through
// encoding/json, Go's time.ParseDuration, and time.RFC3339.
//
// encoding/json matches a struct field by its JSON name, else case-insensitively; an absent or null field
// keeps its zero value; a number or boolean read into a string field becomes its text (sigs.k8s.io/yaml
// does that), while anything else of the wrong type is an error worded as Go words it.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "kube/error.h"
#include "kube/json.h"
#include "kube/time.h"

namespace pave::adapter {

// Names the Go struct being filled, for error messages: "WorkflowControl", "WorkflowDestinationSelectors".
struct GoStruct {
  const kube::Json& object;
  std::string_view type_name;
};

// The member encoding/json would fill field from, or nullptr.
const kube::Json* go_member(const kube::Json& object, std::string_view field);

// A string field (numbers and booleans become their text; absent or null is "").
kube::Result<std::string> go_string(const GoStruct& s, std::string_view field);

// A bool field (absent or null is false; "true" as a string is an error, as in Go).
kube::Result<bool> go_bool(const GoStruct& s, std::string_view field);

// A map[string]string field (absent or null is empty; values as go_string reads them).
kube::Result<std::map<std::string, std::string>> go_string_map(const GoStruct& s, std::string_view field);

// encoding/json's word for a JSON value's type: "object", "array", "string", "number", "bool".
std::string_view json_type_word(const kube::Json& value);

// Go's t.UTC().Format(time.RFC3339): 2026-03-25T14:22:00Z (whole seconds).
using kube::format_rfc3339;

}  // namespace pave::adapter
