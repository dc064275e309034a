// YAML in and out of JSON values without changing what a scalar means.
//
// Reading follows the YAML 1.2 core schema: quoted scalars and explicit !!str are strings; plain scalars
// are null, booleans (true/false), integers or floats only when they spell one exactly, strings otherwise
// ("on", "yes" and "1.0.0" stay strings). Writing quotes every string that any common YAML reader (1.1 or
// 1.2) could take for something else, so "1", "true", "on" and "null" come back as strings everywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::kube {

// Parses a stream of documents separated by "---". Empty documents are skipped.
Result<std::vector<Json>> parse_yaml_documents(std::string_view yaml);

// Parses exactly one document (an empty input gives null).
Result<Json> parse_yaml(std::string_view yaml);

// Writes one value as a YAML document (no leading "---").
std::string to_yaml(const Json& value);

// Writes values as a stream of documents separated by "---".
std::string to_yaml_documents(const std::vector<Json>& values);

}  // namespace pave::kube
