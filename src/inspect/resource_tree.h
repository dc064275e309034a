// Where a Promise's resource requests went: each request, the pipelines that ran for it, the Works they
// made, where each Work was placed, and the files each placement has in its Destination's state store.
// What `pave get resources` shows (Kratix users ask for this view: kratix#823).
//
// Everything is read from the platform cluster; file paths are computed with the writers' own layout
// (statestore/layout.h), so they are where the files are, and the version is the commit (Git) or ETag
// digest (bucket) the placement's last write reported.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"

namespace pave::inspect {

struct PipelineRun {
  std::string name;     // the pipeline
  std::string phase;    // from the request's status.kratix.workflows.pipelines
  std::string job;      // the newest Job that ran it, if any is kept
  std::string state;    // Complete, Failed, Running or Suspended
  long seconds = -1;    // the Job's start to completion (-1: not finished)
};

struct PlacementView {
  std::string name;
  std::string destination;
  bool ready = false;
  bool misplaced = false;
  std::string message;       // the Ready condition's
  std::string store;         // "GitStateStore/NAME" or "BucketStateStore/NAME"
  std::string location;      // the repository URL and branch, or endpoint/bucket
  std::string version;       // status.versionID
  std::vector<std::string> files;  // paths in the store, from its root
};

struct WorkView {
  std::string name;
  std::string namespace_;
  std::string pipeline;
  std::vector<PlacementView> placements;
};

struct RequestView {
  std::string api_version, kind, namespace_, name;
  std::string reconciled;       // the Reconciled condition's status
  std::string message;          // status.message
  std::string promise_version;  // status.promiseVersion
  std::vector<PipelineRun> pipelines;
  std::vector<WorkView> works;
};

struct Query {
  std::string promise;
  std::string name;        // one request; empty: all
  std::string namespace_;  // empty: every namespace
};

// Reads the Promise's requests and everything they led to.
kube::Result<std::vector<RequestView>> gather(const kube::Client& client, const Query& query);

kube::Json to_json(const std::vector<RequestView>& requests);

// An indented tree, one request after another.
std::string render_tree(const std::vector<RequestView>& requests);

}  // namespace pave::inspect
