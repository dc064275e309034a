// Kratix's naming and hashing rules (kratix-spec.md 1.12, 2.3, 2.5, 12): object names cut to fit with a
// five-character suffix, pipeline identities, and the md5 digests Kratix names things by.
#pragma once

#include <string>
#include <string_view>

#include "base/digest.h"

namespace pave::api {

using base::md5_hex;  // the digest Kratix names things by

// Kratix's object-name helper: name cut to 56 characters when longer than 57, trailing characters that
// are not letters or digits dropped, then "-" and a five-character suffix; at most 62 characters.
// deterministic_name's suffix is the first five hex digits of md5(name) (ResourceBinding
// "example-redis" -> "example-redis-e7f90"); generated_name's is random, for names that must be new.
std::string deterministic_name(std::string_view name);
std::string generated_name(std::string_view name);

// The pipeline identity "<promise>-<workflowType>-<action>-<pipeline>" that names a pipeline's
// ServiceAccount and RBAC objects (e.g. "redis-resource-configure-instance-configure").
std::string pipeline_id(std::string_view promise, std::string_view workflow_type, std::string_view action,
                        std::string_view pipeline);

// A workload group's id: md5 of its directory ("." for the default group -> 5058f1af...).
inline std::string workload_group_id(std::string_view directory) { return md5_hex(directory); }

}  // namespace pave::api
