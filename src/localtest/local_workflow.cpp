#include "localtest/local_workflow.h"

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "kube/time.h"
#include "platform/promise_crd.h"
#include "platform/request_placement_reporter.h"
#include "platform/static_dependencies.h"
#include "platform/workflow_status.h"
#include "workflow/hash.h"
#include "workflow/pipeline.h"

namespace pave::localtest {
namespace {

using kube::Json;
using workflow::Decision;
using workflow::WorkflowAction;
using workflow::WorkflowType;

using kube::invalid;

// What the API server adds to an object it stores, so pipelines read the metadata they would read there.
Json as_stored(Json object, const std::string& uid, const std::chrono::system_clock::time_point now) {
  Json& meta = object["metadata"];
  if (!meta.contains("uid")) meta["uid"] = uid;
  if (!meta.contains("generation")) meta["generation"] = 1;
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = kube::format_rfc3339(now);
  if (!object.contains("status")) object["status"] = Json::object();
  return object;
}

// The request's API as the Promise's CRD has it (storage version), read as the controllers read it; the
// CRD is checked first, so an API that is not one is said.
kube::Result<workflow::ObjectApi> request_api(const Json& promise) {
  auto crd = platform::promise_crd(promise);
  if (!crd) return std::unexpected(crd.error());
  auto r = platform::request_resource(promise);
  if (!*crd || !r) return std::unexpected(invalid("the Promise has no API, so it takes no requests"));
  return workflow::ObjectApi{.group = r->group, .version = r->version, .kind = r->kind, .plural = r->plural,
                             .cluster_scoped = !r->namespaced};
}

class WorkflowExecution {
 public:
  WorkflowExecution(const LocalTestInput& input, const LocalRunner& runner, WorkflowType type, Json object,
                    workflow::ObjectApi api)
      : input_(input), runner_(runner), type_(type), api_(std::move(api)) {
    result_.type = std::string(workflow::to_string(type));
    result_.object = std::move(object);
  }

  kube::Result<WorkflowResult> execute() {
    auto pipelines = workflow::parse_workflow(input_.promise, type_, WorkflowAction::kConfigure);
    if (!pipelines) return std::unexpected(pipelines.error());
    const std::vector<std::string> names = workflow::pipeline_names(*pipelines);
    const int64_t generation = kube::meta::generation(result_.object);
    Json& status = result_.object["status"];
    if (type_ == WorkflowType::kResource) {
      api::set_condition(status, {.type = api::request::kPromiseAvailable, .status = true,
                                  .reason = api::request::kReasonAvailable, .message = api::request::kMessageAvailable,
                                  .observed_generation = generation});
    }
    for (size_t i = 0; i < pipelines->size(); ++i) {
      platform::apply_workflow_decision(status, names, {.kind = Decision::Kind::kStart, .pipeline = i, .succeeded = i}, generation);
      auto outcome = run_pipeline(run_of((*pipelines)[i], i, pipelines->size()), runner_);
      if (!outcome) return std::unexpected(outcome.error());
      status = outcome->status;
      const bool succeeded = outcome->succeeded;
      const bool suspended = outcome->suspended;
      if (succeeded && outcome->work) result_.works.push_back(*outcome->work);
      result_.pipelines.push_back(std::move(*outcome));
      if (!succeeded) {
        platform::apply_workflow_decision(status, names, {.kind = Decision::Kind::kFailed, .pipeline = i, .succeeded = i},
                                          generation);
        result_.end = WorkflowResult::End::kFailed;
        return std::move(result_);
      }
      if (suspended) {
        result_.end = WorkflowResult::End::kSuspended;
        return std::move(result_);
      }
    }
    platform::apply_workflow_decision(status, names, {.kind = Decision::Kind::kCompleted, .succeeded = names.size()}, generation);
    return std::move(result_);
  }

 private:
  workflow::PipelineRun run_of(const workflow::Pipeline& pipeline, size_t index, size_t count) const {
    workflow::PipelineRun run{.type = type_, .action = WorkflowAction::kConfigure, .promise = input_.promise,
                              .object = result_.object, .api = api_, .index = index, .count = count,
                              .pipeline = pipeline,
                              .hash = workflow::workflow_hash(type_, input_.promise, result_.object),
                              .pipeline_namespace = workflow::configured_pipeline_namespace(input_.promise),
                              .config = input_.config};
    if (!input_.adapter_image.empty()) run.adapter_image = input_.adapter_image;
    return run;
  }

  const LocalTestInput& input_;
  const LocalRunner& runner_;
  WorkflowType type_;
  workflow::ObjectApi api_;
  WorkflowResult result_;
};

kube::Status check_request(const Json& request, const workflow::ObjectApi& api) {
  const std::string want = api.group + "/" + api.version;
  if (request.value("apiVersion", "") != want || request.value("kind", "") != api.kind) {
    return std::unexpected(invalid("the request is a " + request.value("apiVersion", "?") + " " + request.value("kind", "?") +
                                   "; the Promise's API takes " + want + " " + api.kind));
  }
  if (kube::meta::name(request).empty()) return std::unexpected(invalid("the request has no metadata.name"));
  return {};
}

}  // namespace

std::string to_string(WorkflowResult::End end) {
  switch (end) {
    case WorkflowResult::End::kCompleted: return "Completed";
    case WorkflowResult::End::kFailed: return "Failed";
    case WorkflowResult::End::kSuspended: return "Suspended";
  }
  return "";
}

kube::Result<LocalTestRun> run_workflows(const LocalTestInput& input, const LocalRunner& runner) {
  if (input.promise.value("kind", "") != "Promise" || kube::meta::name(input.promise).empty()) {
    return std::unexpected(invalid("not a Promise: need kind Promise with a metadata.name"));
  }
  LocalTestRun run;
  const Json promise = as_stored(input.promise, "00000000-0000-4000-8000-00000000000p", runner.now);
  auto promise_run = WorkflowExecution(input, runner, WorkflowType::kPromise, promise, {}).execute();
  if (!promise_run) return std::unexpected(promise_run.error());
  run.promise = std::move(*promise_run);
  if (auto deps = platform::static_dependencies_work(input.promise)) run.works.push_back(*deps);
  for (const Json& w : run.promise.works) run.works.push_back(w);
  if (!input.request || run.promise.end != WorkflowResult::End::kCompleted) return run;

  auto api = request_api(input.promise);
  if (!api) return std::unexpected(api.error());
  if (auto s = check_request(*input.request, *api); !s) return std::unexpected(s.error());
  Json request = as_stored(*input.request, "00000000-0000-4000-8000-00000000000r", runner.now);
  if (!api->cluster_scoped && kube::meta::namespace_of(request).empty()) request["metadata"]["namespace"] = "default";
  auto request_run = WorkflowExecution(input, runner, WorkflowType::kResource, std::move(request), *api).execute();
  if (!request_run) return std::unexpected(request_run.error());
  run.request = std::move(*request_run);
  for (const Json& w : run.request->works) run.works.push_back(w);
  return run;
}

}  // namespace pave::localtest
