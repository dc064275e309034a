// Runs a workflow one step at a time on the cluster: reads its Jobs from the API server, decides with
// the state machine (workflow_state.h), and starts the next pipeline (its ServiceAccount, RBAC and
// scheduling ConfigMap created or updated, then its Job) or prunes the Jobs of a finished run.
//
// Jobs are read from the API server, not a cache: a cache that has not yet seen the Job this runner just
// created would make it start the same pipeline twice.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/store.h"
#include "workflow/job_builder.h"
#include "workflow/workflow_state.h"

namespace pave::workflow {

struct WorkflowTarget {
  WorkflowType type = WorkflowType::kPromise;
  WorkflowAction action = WorkflowAction::kConfigure;
  kube::Json promise;
  kube::Json object;  // the Promise or the resource request
  ObjectApi api;      // resource workflows: the request's API
  std::vector<Pipeline> pipelines;
  DecideOptions options;  // a re-run from the start, or the suspended pipeline to resume
  std::string adapter_image = kDefaultAdapterImage;
  KratixConfig config;
};

struct WorkflowStep {
  Decision decision;        // kStart: `started` is the Job just created for decision.pipeline
  std::string started;
  std::string ns;           // where the workflow's Jobs run
  std::vector<JobView> jobs;
};

class WorkflowRunner {
 public:
  explicit WorkflowRunner(kube::Client client, std::string field_manager = "pave")
      : client_(std::move(client)), field_manager_(std::move(field_manager)) {}

  // Reads the workflow's Jobs and decides, changing nothing: a caller can check the decision against
  // fresher state before take() acts on it.
  kube::Result<WorkflowStep> plan(const WorkflowTarget& target) const;

  // Acts on a plan: suspends the Job a manual re-run stops, starts the decided pipeline, or prunes the
  // Jobs of a finished run.
  kube::Status take(const WorkflowTarget& target, WorkflowStep& step) const;

  // The workflow's Jobs, newest last is not guaranteed (see workflow_state.h for the order).
  kube::Result<std::vector<kube::Json>> jobs(const WorkflowTarget& target) const;

  // After a completed configure workflow: deletes those of the object's Works (as cached: works) made by
  // pipelines the workflow no longer has (spec 2.5), so what a removed pipeline delivered leaves the
  // Destinations.
  kube::Status delete_stale_works(const WorkflowTarget& target, const std::vector<kube::ObjectPtr>& works) const;

  // Whether object, as the caller's cache holds it, is still the API server's version (r: its resource).
  // A decision to start a pipeline or to call the workflow complete is checked with this first: the
  // status-writer of the pipeline that just finished may have suspended the workflow (workflow-control.yaml)
  // in an update the cache has not caught up with.
  kube::Result<bool> is_current(const kube::Resource& r, const kube::Json& object) const;

  // Deletes every Job of the workflow (and their Pods), for the workflows-cleanup finalizers.
  kube::Status delete_jobs(const WorkflowTarget& target) const;

 private:
  kube::Status start(const WorkflowTarget& target, size_t index, WorkflowStep& step) const;
  kube::Status apply_objects(const PipelineObjects& objects) const;
  // Deletes the user-permission RBAC objects of this pipeline that objects no longer holds.
  kube::Status delete_stale_permissions(const PipelineRun& run, const PipelineObjects& objects) const;
  kube::Status create_or_update(const kube::Resource& r, const kube::Json& object) const;
  std::string label_selector(const WorkflowTarget& target) const;
  std::string jobs_namespace(const WorkflowTarget& target) const;

  kube::Client client_;
  std::string field_manager_;
  // Per pipeline (namespace/id): the permission objects last checked for stale ones, so unchanged ones are
  // not listed again on every run.
  mutable std::mutex permissions_mu_;
  mutable std::map<std::string, std::string> checked_permissions_;
};

}  // namespace pave::workflow
