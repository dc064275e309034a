// The adapter's commands, as `pave adapter reader | work-creator | update-status` runs them in a pipeline
// pod (kratix-spec.md 3.1): each logs what it does to standard error and returns the process's exit code,
// 0 on success and 1 with the reason logged otherwise, so Kubernetes retries the Job per its backoff.
//
// The forms without a client connect as the pod (kube::load_config(): in-cluster, else $KUBECONFIG or
// ~/.kube/config); the others take a client and are what tests call.
#pragma once

#include <filesystem>

#include "adapter/pipeline_env.h"
#include "adapter/work_creator.h"
#include "kube/client.h"

namespace pave::adapter {

// reader: writes the object to <INPUT_DIR>/object.yaml.
int run_reader();
int run_reader(const kube::Client& client, const PipelineEnv& env);

// work-creator --input-directory D --promise-name P --pipeline-name N [--namespace NS]
//   [--workflow-type promise|resource] [--resource-name R] [--resource-namespace RNS]
// Trace context comes from KRATIX_TRACE_PARENT / KRATIX_TRACE_STATE when the options leave it empty.
int run_work_creator(const WorkCreatorOptions& options);
int run_work_creator(const kube::Client& client, const WorkCreatorOptions& options);

// update-status: merges /work-creator-files/metadata/status.yaml and applies workflow-control.yaml to the
// object's status with one UpdateStatus of the whole object (a conflict fails the container and the Job
// retries it, reading the object afresh).
int run_update_status();
int run_update_status(const kube::Client& client, const PipelineEnv& env, const std::filesystem::path& metadata_dir);

}  // namespace pave::adapter
