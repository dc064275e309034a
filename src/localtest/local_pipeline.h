// One pipeline of a workflow run on this machine, no cluster, as its Job's pod runs on one (kratix-spec.md
// 3.1-3.6), for `pave test`.
//
//   LocalRunner runner{.podman = containers::Podman({.node = "pave-test"}), .work_dir = dir};
//   auto outcome = run_pipeline(run, runner);  // run: the workflow::PipelineRun the controller would make
//   // outcome->containers: each user container's exit code, log and duration
//   // outcome->work: the Work the work-writer would create; outcome->status: the object's status after it
//
// The Job is the one workflow::build_pipeline_objects builds for the controller. Its volumes become
// directories under work_dir; the user's containers run in podman with the Job's environment, command,
// args, mounts and security context; the adapter's reader, work-writer and status-writer steps are
// Pave's own adapter functions, called in-process on those directories instead of in the adapter image.
// So an author's containers see exactly what they would see on a cluster, and the Work and status are
// what the adapter would make of their output.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "containers/podman.h"
#include "kube/error.h"
#include "kube/json.h"
#include "workflow/job_builder.h"

namespace pave::localtest {

struct LocalRunner {
  containers::Podman podman;
  std::filesystem::path work_dir;           // each pipeline gets a fresh directory below it
  std::chrono::seconds timeout{600};         // per container
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  // Set (by a signal handler) to stop before the next container; the run then ends with "interrupted".
  const std::atomic<bool>* stop = nullptr;
  // Told before each container starts ("resource.configure/instance: container main (image)"), for a
  // long run's progress.
  std::function<void(const std::string&)> progress;
};

struct ContainerOutcome {
  std::string name;
  std::string image;
  int exit_code = 0;
  std::string log;
  std::chrono::milliseconds duration{0};
};

// A file the pipeline left in /kratix/output or /kratix/metadata.
struct OutputFile {
  std::string path;  // relative to its directory
  uintmax_t size = 0;
};

struct PipelineOutcome {
  std::string name;
  std::vector<ContainerOutcome> containers;  // the user's containers that ran, in order
  bool succeeded = false;
  std::string error;                         // why it did not: a container's exit, an adapter step's error
  std::vector<OutputFile> output;            // /kratix/output
  std::vector<OutputFile> metadata;          // /kratix/metadata
  std::optional<kube::Json> work;            // what the work-writer would create or update (configure only)
  kube::Json status;                         // the object's status after the status-writer
  bool suspended = false;                    // workflow-control.yaml holds the workflow here
  std::vector<std::string> warnings;
};

// Runs the pipeline. An error only when it cannot be set up (the Job cannot be built, a volume needs a
// cluster, an image is not on this machine); a failing container is a PipelineOutcome that did not succeed.
kube::Result<PipelineOutcome> run_pipeline(const workflow::PipelineRun& run, const LocalRunner& runner);

}  // namespace pave::localtest
