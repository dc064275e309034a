// What Kratix tells the reader and status-writer containers through their environment (kratix-spec.md
// 3.3): which object the pipeline runs for, which pipeline it is, and where the files are.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kube/error.h"
#include "kube/resource.h"

namespace pave::adapter {

struct PipelineEnv {
  std::string object_group;      // KRATIX_OBJECT_GROUP (platform.kratix.io for promise workflows)
  std::string object_version;    // KRATIX_OBJECT_VERSION
  std::string object_kind;       // KRATIX_OBJECT_KIND
  std::string object_name;       // KRATIX_OBJECT_NAME
  std::string object_namespace;  // KRATIX_OBJECT_NAMESPACE; "default" when unset, "" when cluster-scoped
  std::string crd_plural;        // KRATIX_CRD_PLURAL
  bool cluster_scoped = false;   // KRATIX_CLUSTER_SCOPED == "true"
  std::string promise_name;      // KRATIX_PROMISE_NAME
  std::string pipeline_name;     // KRATIX_PIPELINE_NAME
  std::string workflow_type;     // KRATIX_WORKFLOW_TYPE: promise | resource
  std::string workflow_action;   // KRATIX_WORKFLOW_ACTION: configure | delete
  bool is_last_pipeline = false; // IS_LAST_PIPELINE == "true"
  std::string input_dir;         // INPUT_DIR, default /kratix/input
  std::string output_dir;        // OUTPUT_DIR, default /kratix/output

  // The REST resource of the object: group, version, plural and kind from the environment.
  kube::Resource object_resource() const;
};

// Reads the environment through lookup (nothing for an unset variable), with Kratix's defaults.
PipelineEnv pipeline_env(const std::function<std::optional<std::string>(const char*)>& lookup);

// The process's own environment.
PipelineEnv pipeline_env();

// Checks that the object can be found: "KRATIX_OBJECT_NAME is not set", ...
kube::Status validate_object(const PipelineEnv& env);

}  // namespace pave::adapter
