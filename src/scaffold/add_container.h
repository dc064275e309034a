// `pave add container LIFECYCLE/ACTION/PIPELINE --image IMG [--name N] [--language bash|go|python]`: a
// container added to a workflow's pipeline (the pipeline made when missing), and its build directory
// workflows/<lifecycle>/<action>/<pipeline>/<container>/ with a Dockerfile, scripts/pipeline.<ext> and
// resources/, as Kratix's `kratix add container` lays them out (kratix-spec.md 6.5).
//
// A split directory (api.yaml and dependencies.yaml) keeps the pipelines in
// workflows/<lifecycle>/<action>/workflow.yaml, a bare list; otherwise they are in promise.yaml.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::scaffold {

struct PipelineRef {
  std::string lifecycle;  // promise | resource
  std::string action;     // configure | delete
  std::string pipeline;

  std::string to_string() const { return lifecycle + "/" + action + "/" + pipeline; }
  // workflows/<lifecycle>/<action>/<pipeline>/<container>
  std::filesystem::path container_dir(const std::string& container) const;
};

// Parses LIFECYCLE/ACTION/PIPELINE-NAME. Errors (Kratix's words): invalid pipeline format: <arg>,
// expected format: LIFECYCLE/ACTION/PIPELINE-NAME; invalid lifecycle: <x>, expected one of: promise,
// resource; invalid action: <x>, expected one of: configure, delete; pipeline name cannot be empty; and
// (Pave's) invalid pipeline name: <x>: must be a DNS label ...
kube::Result<PipelineRef> parse_pipeline_ref(std::string_view arg);

// The container name an image gives when none is named: the image up to its first ':', '/' and '.' as
// '-', dashes trimmed; over 63 characters, its first 55 (dashes trimmed) and the first 7 hex digits of
// its sha1 ("syntasso/postgres-resource:v1.0.0" -> "syntasso-postgres-resource").
std::string container_name_for(std::string_view image);

// Adds the container to the pipeline named in pipelines (a list of Pipeline objects), appending the
// pipeline when there is none. A container of that name already there is an error (image '<name>' already
// exists in Pipeline '<pipeline>'), or is replaced with overwrite.
kube::Status add_to_pipelines(kube::Json& pipelines, const std::string& pipeline, const kube::Json& container, bool overwrite);

// The scaffold's files for a language (bash, go, python), by path relative to the container's directory.
kube::Result<std::map<std::string, std::string>> container_files(const std::string& language);

// Whether add container treats dir as split: api.yaml and dependencies.yaml both there, or no promise.yaml.
bool split_for_containers(const std::filesystem::path& dir);

// Pipeline and container names are DNS labels (they name Kubernetes objects and directories): a-z, 0-9
// and '-', at most 63, not starting or ending with '-'. So no name leaves the promise directory.
bool dns_label(std::string_view name);
inline constexpr const char* kDnsLabelRule = "must be a DNS label (a-z, 0-9 and '-', at most 63 characters)";

struct AddContainerOptions {
  PipelineRef ref;
  std::string image;
  std::string name;              // "" = container_name_for(image)
  std::string language = "bash";
  bool overwrite = false;        // replace a container of that name (update dependencies --image)
};

// Writes the scaffold, then the pipeline; returns the lines to print.
kube::Result<std::vector<std::string>> add_container(const std::filesystem::path& dir, const AddContainerOptions& options);

}  // namespace pave::scaffold
