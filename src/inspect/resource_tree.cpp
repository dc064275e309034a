#include "inspect/resource_tree.h"

#include <algorithm>
#include <sstream>

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/object.h"
#include "kube/rest_mapper.h"
#include "kube/time.h"
#include "platform/destination_reconciler.h"
#include "platform/work_placement_reconciler.h"
#include "statestore/layout.h"
#include "statestore/writer.h"

namespace pave::inspect {
namespace {

using kube::Json;

std::string condition_field(const Json& object, const char* type, const char* field) {
  const Json* c = api::find_condition(object, type);
  return c ? kube::string_at(*c, field) : "";
}

// Whether an object made for a request (Job, Work) belongs to the one in namespace ns: pipelines that run
// in a Promise's pipelineNamespace label theirs with the request's namespace.
bool of_namespace(const Json& object, const std::string& ns) {
  const std::string labelled = kube::meta::label(object, api::kLabelResourceNamespace);
  return (labelled.empty() ? kube::meta::namespace_of(object) : labelled) == ns;
}

std::string selector(const std::string& promise, const std::string& request) {
  return std::string(api::kLabelPromiseName) + "=" + promise + "," + api::kLabelResourceName + "=" + request;
}

PipelineRun pipeline_run(const Json& entry, const std::vector<Json>& jobs) {
  PipelineRun run{.name = kube::string_at(entry, "name"), .phase = kube::string_at(entry, "phase")};
  const Json* newest = nullptr;
  for (const auto& job : jobs) {
    if (kube::meta::label(job, api::kLabelPipelineName) != run.name) continue;
    if (!newest || kube::string_at(kube::child(job, "metadata"), "creationTimestamp") >=
                       kube::string_at(kube::child(*newest, "metadata"), "creationTimestamp")) {
      newest = &job;
    }
  }
  if (!newest) return run;
  run.job = kube::meta::name(*newest);
  const Json& status = kube::child(*newest, "status");
  run.state = condition_field(*newest, "Complete", "status") == "True" ? "Complete"
              : condition_field(*newest, "Failed", "status") == "True" ? "Failed"
              : kube::child(kube::child(*newest, "spec"), "suspend") == true ? "Suspended"
                                                                              : "Running";
  auto started = kube::parse_rfc3339(kube::string_at(status, "startTime"));
  auto completed = kube::parse_rfc3339(kube::string_at(status, "completionTime"));
  if (started && completed) {
    run.seconds = std::chrono::duration_cast<std::chrono::seconds>(*completed - *started).count();
  }
  return run;
}

// The store of a Destination, and where it is.
void describe_store(const kube::Client& client, const Json& destination, PlacementView& view, std::string& prefix) {
  const Json& ref = kube::child(kube::child(destination, "spec"), "stateStoreRef");
  const std::string kind = kube::string_at(ref, "kind"), name = kube::string_at(ref, "name");
  view.store = kind + "/" + name;
  auto store = client.get(kind == "BucketStateStore" ? api::bucket_state_stores() : api::git_state_stores(), "", name);
  if (!store) return;
  const Json& spec = kube::child(*store, "spec");
  prefix = kube::string_at(spec, "path");
  if (kind == "BucketStateStore") {
    view.location = kube::string_at(spec, "endpoint") + "/" + kube::string_at(spec, "bucketName");
  } else {
    const std::string branch = kube::string_at(spec, "branch");
    view.location = kube::string_at(spec, "url") + " (branch " + (branch.empty() ? "main" : branch) + ")";
  }
}

PlacementView placement_view(const kube::Client& client, const Json& wp) {
  PlacementView view{.name = kube::meta::name(wp),
                     .destination = kube::string_at(kube::child(wp, "spec"), "targetDestinationName"),
                     .ready = condition_field(wp, "Ready", "status") == "True",
                     .misplaced = kube::meta::label(wp, api::kLabelMisplaced) == "true",
                     .message = condition_field(wp, "Ready", "message"),
                     .version = kube::string_at(kube::child(wp, "status"), "versionID")};
  auto destination = client.get(api::destinations(), "", view.destination);
  if (!destination) return view;
  std::string prefix;
  describe_store(client, *destination, view, prefix);
  auto layout = platform::DestinationReconciler::layout_of(*destination);
  auto placement = platform::placement_of(wp);
  if (!layout || !placement) return view;
  auto change = statestore::placement_change(*layout, *placement);
  if (!change) return view;
  for (const auto& f : change->files) view.files.push_back(statestore::store_path(prefix, f.path));
  std::sort(view.files.begin(), view.files.end());
  return view;
}

kube::Result<std::vector<WorkView>> works_of(const kube::Client& client, const Query& q, const std::string& ns,
                                             const std::string& name) {
  auto works = client.list(api::works(), "", {.label_selector = selector(q.promise, name)});
  if (!works) return std::unexpected(works.error());
  std::vector<WorkView> out;
  for (const auto& work : works->items) {
    if (!of_namespace(work, ns)) continue;
    WorkView view{.name = kube::meta::name(work), .namespace_ = kube::meta::namespace_of(work),
                  .pipeline = kube::meta::label(work, api::kLabelPipelineName)};
    auto placements = client.list(api::work_placements(), view.namespace_,
                                  {.label_selector = std::string(api::kLabelWork) + "=" + view.name});
    if (!placements) return std::unexpected(placements.error());
    for (const auto& wp : placements->items) view.placements.push_back(placement_view(client, wp));
    out.push_back(std::move(view));
  }
  return out;
}

kube::Result<RequestView> request_view(const kube::Client& client, const Query& q, const Json& request) {
  const Json& status = kube::child(request, "status");
  RequestView view{.api_version = request.value("apiVersion", ""), .kind = request.value("kind", ""),
                   .namespace_ = kube::meta::namespace_of(request), .name = kube::meta::name(request),
                   .reconciled = condition_field(request, "Reconciled", "status"),
                   .message = kube::string_at(status, "message"),
                   .promise_version = kube::string_at(status, "promiseVersion")};
  auto jobs = client.list(kube::resources::jobs(), "", {.label_selector = selector(q.promise, view.name)});
  if (!jobs) return std::unexpected(jobs.error());
  std::erase_if(jobs->items, [&](const Json& job) { return !of_namespace(job, view.namespace_); });
  for (const auto& entry : kube::child(kube::child(kube::child(status, "kratix"), "workflows"), "pipelines")) {
    view.pipelines.push_back(pipeline_run(entry, jobs->items));
  }
  auto works = works_of(client, q, view.namespace_, view.name);
  if (!works) return std::unexpected(works.error());
  view.works = std::move(*works);
  return view;
}

}  // namespace

kube::Result<std::vector<RequestView>> gather(const kube::Client& client, const Query& q) {
  auto promise = client.get(api::promises(), "", q.promise);
  if (!promise) return std::unexpected(promise.error());
  const Json& status = kube::child(*promise, "status");
  const std::string api_version = kube::string_at(status, "apiVersion"), kind = kube::string_at(status, "kind");
  if (kind.empty()) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound, "Promise " + q.promise + " offers no API (yet)"));
  }
  kube::RestMapper mapper(client);
  auto resource = mapper.resource_for(Json{{"apiVersion", api_version}, {"kind", kind}});
  if (!resource) return std::unexpected(resource.error());
  std::vector<Json> requests;
  if (!q.name.empty()) {
    auto one = client.get(*resource, q.namespace_.empty() ? "default" : q.namespace_, q.name);
    if (!one) return std::unexpected(one.error());
    requests.push_back(std::move(*one));
  } else {
    auto all = client.list(*resource, q.namespace_);
    if (!all) return std::unexpected(all.error());
    requests = std::move(all->items);
  }
  std::vector<RequestView> out;
  for (auto& r : requests) {
    if (!r.contains("apiVersion")) r["apiVersion"] = api_version;
    if (!r.contains("kind")) r["kind"] = kind;
    auto view = request_view(client, q, r);
    if (!view) return std::unexpected(view.error());
    out.push_back(std::move(*view));
  }
  return out;
}

kube::Json to_json(const std::vector<RequestView>& requests) {
  Json out = Json::array();
  for (const auto& r : requests) {
    Json pipelines = Json::array(), works = Json::array();
    for (const auto& p : r.pipelines) {
      pipelines.push_back({{"name", p.name}, {"phase", p.phase}, {"job", p.job}, {"jobState", p.state},
                           {"seconds", p.seconds}});
    }
    for (const auto& w : r.works) {
      Json placements = Json::array();
      for (const auto& p : w.placements) {
        placements.push_back({{"name", p.name}, {"destination", p.destination}, {"ready", p.ready},
                              {"misplaced", p.misplaced}, {"message", p.message}, {"stateStore", p.store},
                              {"location", p.location}, {"version", p.version}, {"files", p.files}});
      }
      works.push_back({{"name", w.name}, {"namespace", w.namespace_}, {"pipeline", w.pipeline}, {"placements", placements}});
    }
    out.push_back({{"apiVersion", r.api_version}, {"kind", r.kind}, {"namespace", r.namespace_}, {"name", r.name},
                   {"reconciled", r.reconciled}, {"message", r.message}, {"promiseVersion", r.promise_version},
                   {"pipelines", pipelines}, {"works", works}});
  }
  return out;
}

std::string render_tree(const std::vector<RequestView>& requests) {
  std::ostringstream out;
  for (const auto& r : requests) {
    out << r.kind << " " << r.namespace_ << "/" << r.name << "  Reconciled=" << (r.reconciled.empty() ? "?" : r.reconciled);
    if (!r.promise_version.empty()) out << "  promise " << r.promise_version;
    out << "\n";
    if (!r.message.empty()) out << "  message: " << r.message << "\n";
    for (const auto& p : r.pipelines) {
      out << "  pipeline " << p.name << "  " << p.phase;
      if (!p.job.empty()) out << "  Job " << p.job << " " << p.state;
      if (p.seconds >= 0) out << " in " << p.seconds << "s";
      out << "\n";
    }
    for (const auto& w : r.works) {
      out << "  Work " << w.namespace_ << "/" << w.name << (w.pipeline.empty() ? "" : "  (pipeline " + w.pipeline + ")") << "\n";
      if (w.placements.empty()) out << "    (not placed: no Destination matches)\n";
      for (const auto& p : w.placements) {
        out << "    -> Destination " << p.destination << "  " << (p.ready ? "Ready" : "NotReady");
        if (p.misplaced) out << "  MISPLACED";
        if (!p.ready && !p.message.empty()) out << " (" << p.message << ")";
        out << "  [WorkPlacement " << p.name << "]\n";
        out << "       " << p.store << "  " << p.location;
        if (!p.version.empty()) out << "  at " << p.version.substr(0, 12);
        out << "\n";
        for (const auto& f : p.files) out << "       " << f << "\n";
      }
    }
  }
  if (requests.empty()) out << "no resource requests\n";
  return out.str();
}

}  // namespace pave::inspect
