// The `pave update` verbs on a promise directory, as Kratix's `kratix update` makes them (kratix-spec.md
// 6.5). Each reads the directory's files, changes them in memory, and writes them only when every change
// could be made.
//
//   update api --property name:string --property spec.path.prop:integer --property old- [--group --kind
//              --version --plural]      api.yaml (split) or promise.yaml's spec.api; a GVK change also
//                                       rewrites example-resource.yaml's apiVersion and kind
//   update dependencies PATH [--image IMG]   spec.dependencies / dependencies.yaml from YAML files, or a
//                                       promise.configure pipeline "dependencies" whose image carries them
//   update destination-selector KEY=VALUE | KEY-   spec.destinationSelectors[0].matchLabels
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::scaffold {

struct ApiUpdate {
  std::vector<std::string> properties;  // name:type, path.to.name:type, or name- (removal); in order
  std::string group, kind, version, plural;
};

// Applies the update to a CRD. Property types: string, number, integer, object, boolean. Errors: invalid
// property format: <p>; unsupported property type: <t>; nested field <segment> is not an object.
kube::Status update_crd(kube::Json& crd, const ApiUpdate& update);

// Returns the lines to print.
kube::Result<std::vector<std::string>> update_api(const std::filesystem::path& dir, const ApiUpdate& update);

// The documents of a YAML file, or of every .yaml/.yml file below a directory (in name order), each
// given metadata.namespace "default" when it has none.
kube::Result<std::vector<kube::Json>> read_dependencies(const std::filesystem::path& path);

kube::Result<std::vector<std::string>> update_dependencies(const std::filesystem::path& dir, const std::filesystem::path& path,
                                                           const std::string& image = "");

// KEY=VALUE sets a label of the first selector; KEY- removes it. Error: invalid destination key: <arg>.
kube::Status update_selector(kube::Json& promise, const std::string& arg);

kube::Result<std::vector<std::string>> update_destination_selector(const std::filesystem::path& dir, const std::string& arg);

}  // namespace pave::scaffold
