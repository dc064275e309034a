// `pave build container [LIFECYCLE/ACTION/PIPELINE] [--name N] [--all] [--engine podman|docker] [--buildx]
// [--build-args "..."] [--push]`: the images of containers made with `add container`, built from their
// directories workflows/<lifecycle>/<action>/<pipeline>/<container>/ and tagged with the image the
// pipeline names (kratix-spec.md 6.5). Planning is pure; the command line runs the steps.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"

namespace pave::scaffold {

struct BuildContainerOptions {
  std::string pipeline;    // LIFECYCLE/ACTION/PIPELINE; ignored with all
  bool all = false;        // every pipeline directory of every workflow
  std::string name;        // the container, when the pipeline has several
  std::string engine = "podman";
  bool buildx = false;
  std::string build_args;  // split on whitespace, after the context
  bool push = false;
};

struct BuildStep {
  std::string message;            // "Building container with tag <image>..."
  std::vector<std::string> argv;
};

// The builds (and pushes) to run, for the Promise the directory holds. Errors: no workflows found;
// expected at least 1 argument; pipeline <x> not found; no container found in path; container <n> not
// found in pipeline directory; more than one container exists for this pipeline, please provide a name
// with --name; container <n> not found in pipeline.
kube::Result<std::vector<BuildStep>> plan_container_builds(const std::filesystem::path& dir, const kube::Json& promise,
                                                           const BuildContainerOptions& options);

}  // namespace pave::scaffold
