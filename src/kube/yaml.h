// YAML in and out of JSON values without changing what a scalar means.
//
// Reading follows the YAML 1.2 core schema by default: quoted scalars and explicit !!str are strings; plain
// scalars are null, booleans (true/false), integers or floats only when they spell one exactly, strings
// otherwise ("on", "yes" and "1.0.0" stay strings). YamlReading::kKubectl reads instead as kubectl and
// every Kubernetes controller do (below). Writing quotes every string that any common YAML reader (1.1 or
// 1.2, kubectl's included) could take for something else, so "1", "true", "on" and "null" come back as
// strings everywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::kube {

// How plain (unquoted, untagged) scalars are read.
enum class YamlReading {
  // The YAML 1.2 core schema, as above.
  kCore12,
  // As kubectl and Kubernetes controllers read YAML (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1), which is
  // how Kratix reads the files pipelines write. Plain y/Y/yes/Yes/YES/on/On/ON/true/True/TRUE are true and
  // n/N/no/No/NO/off/Off/OFF/false/False/FALSE false; ~, null, Null, NULL and nothing are null; integers
  // take Go's prefixes (0x hex, 0o and a leading 0 octal: 0755 is 493, 0b binary) and underscores
  // anywhere; floats include .5, 1e3, 08 and the .inf/.nan forms, while a float too large for a double
  // stays a string. Map keys are read the same way and then written as JSON keys: on: and yes: become
  // "true", 0x10: becomes "16", 1.5: becomes "1.5" (a float key is printed as a 32-bit float); a null key
  // or one beyond int64 is an error. "<<" merges mappings as go-yaml v2 does (keys after it win, earlier
  // maps of a merged list win). Timestamps stay strings; !!binary is base64-decoded.
  kKubectl,
};

// Parses a stream of documents separated by "---". Empty documents are skipped.
Result<std::vector<Json>> parse_yaml_documents(std::string_view yaml, YamlReading reading = YamlReading::kCore12);

// Parses exactly one document (an empty input gives null).
Result<Json> parse_yaml(std::string_view yaml, YamlReading reading = YamlReading::kCore12);

// What a Go string field holds after sigs.k8s.io/yaml reads value into it: strings as they are, booleans
// and numbers as their text (true, 42, floats as Go's shortest %g of a 32-bit float: 1e+06), null as "".
// Nothing for maps and lists, which encoding/json refuses to put in a string.
std::optional<std::string> kubectl_string_value(const Json& value);

// Writes one value as a YAML document (no leading "---").
std::string to_yaml(const Json& value);

// Writes values as a stream of documents separated by "---".
std::string to_yaml_documents(const std::vector<Json>& values);

}  // namespace pave::kube
