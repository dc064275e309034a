// metadata/workflow-control.yaml (kratix-spec.md 3.6): how a pipeline asks Kratix to hold the workflow.
//
//   suspend: true              # hold until someone removes the kratix.io/workflow-suspended label
//   retryAfter: 10m            # hold, then re-run this pipeline (a Go duration; wins over suspend)
//   message: waiting for approval
//
// Either request stops the work-creator from creating or updating the Work, and makes the status-writer
// label the object and mark this pipeline Suspended.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kube/error.h"

namespace pave::adapter {

struct WorkflowControl {
  bool suspend = false;
  std::string message;
  std::string retry_after;  // as written; parsed by retry_duration()

  bool is_retry() const { return !retry_after.empty(); }
  bool suspends_or_retries() const { return suspend || is_retry(); }
};

// Reads the file's text as Kratix does (YAML as kubectl reads it into Kratix's WorkflowControl struct).
kube::Result<WorkflowControl> parse_workflow_control(std::string_view yaml);

// Reads the file; nothing when it does not exist. Errors name the file:
// failed to unmarshal the workflow control file: "<path>" with error: <why>
kube::Result<std::optional<WorkflowControl>> read_workflow_control(const std::filesystem::path& file);

// Whether a (possibly absent) control file holds the workflow.
inline bool suspends_or_retries(const std::optional<WorkflowControl>& c) { return c && c->suspends_or_retries(); }

// retryAfter as a duration. Error: failed to parse retry duration: "<text>" with error: <Go's error>
kube::Result<std::chrono::nanoseconds> retry_duration(const WorkflowControl& control);

}  // namespace pave::adapter
