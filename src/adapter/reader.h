// The reader step (kratix-spec.md 3.2): a fresh GET of the Promise or resource request the pipeline runs
// for, status included (so pipeline N+1 sees what pipeline N wrote), as YAML in <INPUT_DIR>/object.yaml.
#pragma once

#include <filesystem>

#include "adapter/pipeline_env.h"
#include "kube/client.h"
#include "kube/error.h"
#include "kube/json.h"

namespace pave::adapter {

// The object named by the environment. Error: failed to get object: <the API server's reason>
kube::Result<kube::Json> fetch_object(const kube::Client& client, const PipelineEnv& env);

// Fetches the object and writes it to <env.input_dir>/object.yaml; returns the file's path.
kube::Result<std::filesystem::path> write_object_file(const kube::Client& client, const PipelineEnv& env);

}  // namespace pave::adapter
