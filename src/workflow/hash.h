// The workflow hash (kratix-spec.md 2.5): what the kratix.io/hash label of a pipeline Job says it ran for.
//
// A Job belongs to the current workflow run only while its hash equals the hash of today's specs, so a spec
// change starts the workflow again from pipeline 0, while metadata, label and status changes never do.
//   promise workflows:  md5(JSON(promise.spec))
//   resource workflows: md5("<md5(JSON(promise.spec))>-<md5(JSON(rr.spec))>"), "-dry-run" appended inside for dry runs
//
// JSON here is nlohmann's dump(): object keys sorted, no spaces. That is stable across runs and
// processes, which is all the hash must be, but it is not byte-equal to Go's struct-order encoding, so a
// Job Kratix created carries a different hash than Pave computes and is treated as from an older spec: after
// a switch from Kratix to Pave every workflow runs once more.
#pragma once

#include <string>

#include "kube/json.h"
#include "workflow/pipeline.h"

namespace pave::workflow {

// md5 hex of the object's spec (of null when it has none).
std::string spec_hash(const kube::Json& object);

std::string promise_workflow_hash(const kube::Json& promise);
std::string resource_workflow_hash(const kube::Json& promise, const kube::Json& resource_request, bool dry_run = false);

// The hash for a workflow of either type; object is the Promise or the resource request.
std::string workflow_hash(WorkflowType type, const kube::Json& promise, const kube::Json& object, bool dry_run = false);

}  // namespace pave::workflow
