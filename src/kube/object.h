// Reading the common metadata of a dynamic object without exceptions.
#pragma once

#include <map>
#include <string>

#include "kube/json.h"

namespace pave::kube {

// object[key] without a copy, or an empty object when object is not an object or has no such member:
// for reading nested fields of cached objects, e.g. child(child(wp, "spec"), "workloads"), where
// Json::value() would copy the whole subtree. Lvalues only: the result refers into object.
const Json& child(const Json& object, const char* key);
const Json& child(Json&& object, const char* key) = delete;

// object[key] when it is a string, else "".
std::string string_at(const Json& object, const char* key);

// The JSON merge patch (RFC 7386) that turns `from` into `to`: changed and new members as they are in
// `to`, members `to` lacks as null, nested objects recursively. Empty when they are equal. Arrays are
// replaced whole, as merge patches do.
Json merge_patch_between(const Json& from, const Json& to);

}  // namespace pave::kube

namespace pave::kube::meta {

// metadata.<field> as a string, or "" when absent or not a string.
std::string field(const Json& object, const char* field);

inline std::string name(const Json& o) { return field(o, "name"); }
inline std::string namespace_of(const Json& o) { return field(o, "namespace"); }
inline std::string uid(const Json& o) { return field(o, "uid"); }
inline std::string resource_version(const Json& o) { return field(o, "resourceVersion"); }
int64_t generation(const Json& o);
std::map<std::string, std::string> labels(const Json& o);
std::map<std::string, std::string> annotations(const Json& o);
// One label's value, or "" when absent.
std::string label(const Json& o, const std::string& key);
bool has_finalizer(const Json& o, const std::string& finalizer);
// Whether the object is being deleted (metadata.deletionTimestamp is set).
bool deleting(const Json& o);

// "namespace/name", or "name" for cluster-scoped objects: the key of caches and work queues.
std::string key(const Json& o);

}  // namespace pave::kube::meta
