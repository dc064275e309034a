// `pave init promise NAME --group G --kind K [--version V] [--plural P] [--split] [--dir D]`: a new
// promise directory in the layout of Kratix's `kratix init promise` (kratix-spec.md 6.5).
//
//   single: promise.yaml (label kratix.io/promise-version: v0.0.1, a Namespaced CRD <plural>.<group> whose
//           spec is an open object, empty promise and resource configure workflows),
//           example-resource.yaml (example-<name>), README.md
//   split:  api.yaml (the same CRD), dependencies.yaml (empty), example-resource.yaml, README.md
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "kube/error.h"

namespace pave::scaffold {

struct InitPromiseOptions {
  std::string name;
  std::string group;
  std::string kind;
  std::string version;  // "" = v1alpha1
  std::string plural;   // "" = lower-case kind + "s"; used as given otherwise
  bool split = false;
};

// Kratix's singular for a kind: the kind in lower case (also the default plural's stem).
std::string singular_of(std::string_view kind);

// The files, by path relative to the directory. Errors when name, group or kind is empty.
kube::Result<std::map<std::string, std::string>> init_promise_files(const InitPromiseOptions& options);

// Writes them into dir (made when missing; existing files are replaced, as Kratix's CLI does) and returns
// what to print: "<name> promise bootstrapped in the <dir> directory" ("current" for ".").
kube::Result<std::string> init_promise(const InitPromiseOptions& options, const std::filesystem::path& dir);

}  // namespace pave::scaffold
