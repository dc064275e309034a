// Typed reads of JSON object members whose errors name the member by its dotted path, for the strict
// decoding of Pipelines and the Kratix config (internal to src/workflow).
//
//   std::string policy;
//   if (auto s = read_string(spec, "restartPolicy", "spec", policy); !s) return std::unexpected(s.error());
//   // a number there: invalid value for "spec.restartPolicy": expected a string, got 3
//
// An absent member and an explicit null both leave the output untouched, as Go's decoder does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::workflow::fields {

// "prefix.key", or "key" at the top level.
std::string path(std::string_view prefix, std::string_view key);

kube::Error invalid_value(std::string_view path, std::string_view expected, const kube::Json& got);

// object[key] when object is an object holding key with a non-null value, else nullptr.
const kube::Json* member(const kube::Json& object, std::string_view key);

kube::Status read_string(const kube::Json& object, std::string_view key, std::string_view prefix, std::string& out);
kube::Status read_bool(const kube::Json& object, std::string_view key, std::string_view prefix, bool& out);
// An integer within [min, max].
kube::Status read_int(const kube::Json& object, std::string_view key, std::string_view prefix, int64_t min,
                      int64_t max, int64_t& out);
kube::Status read_strings(const kube::Json& object, std::string_view key, std::string_view prefix,
                          std::vector<std::string>& out);
kube::Status read_string_map(const kube::Json& object, std::string_view key, std::string_view prefix,
                             std::map<std::string, std::string>& out);
// A list whose items are all objects (Kubernetes types kept as JSON).
kube::Status read_objects(const kube::Json& object, std::string_view key, std::string_view prefix,
                          std::vector<kube::Json>& out);

// The member as an object, nullptr when absent or null, or an error when it is something else.
kube::Result<const kube::Json*> read_section(const kube::Json& object, std::string_view key, std::string_view prefix);

}  // namespace pave::workflow::fields
