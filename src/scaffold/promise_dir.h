// A Promise as its author keeps it on disk, in the layouts Kratix's CLI makes (kratix-spec.md 6.5):
//
//   single:  <dir>/promise.yaml (the whole Promise), example-resource.yaml, README.md
//   split:   <dir>/api.yaml (the CRD), dependencies.yaml (a list), example-resource.yaml, README.md,
//            workflows/<promise|resource>/<configure|delete>/workflow.yaml (bare lists of Pipelines)
//
// Both may hold workflows/<lifecycle>/<action>/<pipeline>/<container>/ with a container's Dockerfile and
// scripts. `pave build promise` assembles either into one Promise; `pave test` runs it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::scaffold {

inline constexpr const char* kPromiseFile = "promise.yaml";
inline constexpr const char* kApiFile = "api.yaml";
inline constexpr const char* kDependenciesFile = "dependencies.yaml";
inline constexpr const char* kExampleResourceFile = "example-resource.yaml";
inline constexpr const char* kReadmeFile = "README.md";

// workflows/<lifecycle>/<action>/workflow.yaml
std::filesystem::path workflow_file(std::string_view lifecycle, std::string_view action);

// The Promise the directory holds: promise.yaml when there is one, else an empty Promise; then every
// workflows/<lifecycle>/<action>/workflow.yaml, a non-empty api.yaml and dependencies.yaml laid over
// it, as `kratix build promise NAME` does. name: metadata.name (kept from promise.yaml when empty).
kube::Result<kube::Json> assemble_promise(const std::filesystem::path& dir, const std::string& name = "");

// Reads one YAML document (kubectl's reading) from a file: "cannot read <file>: <why>".
kube::Result<kube::Json> read_yaml_file(const std::filesystem::path& file);

// Writes value as YAML (keys sorted, as Kratix's CLI writes re-marshalled files), creating directories.
kube::Status write_yaml_file(const std::filesystem::path& file, const kube::Json& value);

// Writes text, creating directories.
kube::Status write_text_file(const std::filesystem::path& file, std::string_view text);

}  // namespace pave::scaffold
