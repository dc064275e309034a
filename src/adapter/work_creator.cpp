#include "adapter/work_creator.h"

#include <filesystem>

#include "adapter/contract.h"
#include "adapter/destination_selectors.h"
#include "adapter/files.h"
#include "adapter/workflow_control.h"
#include "adapter/workloads.h"
#include "kube/object.h"
#include "api/kratix.h"
#include "api/naming.h"

namespace pave::adapter {
namespace {

namespace fs = std::filesystem;
using kube::ErrorKind;
using kube::Json;

using kube::invalid;

bool is_resource_workflow(const WorkCreatorOptions& o) { return o.workflow_type == kWorkflowTypeResource; }

Json selector_json(const Labels& labels, const std::string& source) {
  return {{"matchLabels", labels}, {"source", source}};
}

Json group_json(const std::string& directory, const std::vector<Workload>& workloads, Json selectors) {
  return {{"id", api::workload_group_id(directory)}, {"directory", directory},
          {"workloads", workloads_json(workloads)}, {"destinationSelectors", std::move(selectors)}};
}

kube::Result<std::vector<DestinationSelector>> read_destination_selectors(const fs::path& root) {
  auto text = read_optional_file(root / kMetadataDir / kDestinationSelectorsFile);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::vector<DestinationSelector>();
  return parse_destination_selectors(**text);
}

// The Promise's selectors for the default group: promise-workflow entries, then promise entries, each
// squashed into one selector; other sources are not the default group's business.
kube::Result<Json> promise_selectors(const fs::path& root) {
  const fs::path file = root / kPromiseSchedulingFile;
  auto text = read_optional_file(file);
  if (!text) return std::unexpected(text.error());
  Json out = Json::array();
  if (!*text) return out;
  auto entries = parse_promise_scheduling(**text);
  if (!entries) return std::unexpected(invalid("invalid " + file.string() + ": " + entries.error().message));
  for (const char* source : {kSourcePromiseWorkflow, kSourcePromise}) {
    std::vector<Labels> labels;
    for (const auto& e : *entries) {
      if (e.source == source) labels.push_back(e.match_labels);
    }
    if (!labels.empty()) out.push_back(selector_json(squash(labels), source));
  }
  return out;
}

// The groups of the output: one per directory named in destination-selectors.yaml, then the default
// group "." holding every other file (only when there is one).
kube::Result<Json> workload_groups(const WorkCreatorOptions& o, const std::vector<DestinationSelector>& selectors) {
  const fs::path root = o.input_directory;
  const fs::path output = root / kOutputTree;
  const std::string workflow_source = o.workflow_type + "-workflow";
  Json groups = Json::array();
  Json default_selectors = Json::array();
  std::vector<std::string> directories;
  for (const auto& s : selectors) {
    if (s.directory == kDefaultDirectory) {
      default_selectors.push_back(selector_json(s.match_labels, workflow_source));
      continue;
    }
    directories.push_back(s.directory);
    auto workloads = read_workloads(output, s.directory);
    if (!workloads) return std::unexpected(workloads.error());
    groups.push_back(group_json(s.directory, *workloads, Json::array({selector_json(s.match_labels, workflow_source)})));
  }
  auto rest = read_workloads(output, kDefaultDirectory, directories);
  if (!rest) return std::unexpected(rest.error());
  if (rest->empty()) return groups;
  auto from_promise = promise_selectors(root);
  if (!from_promise) return std::unexpected(from_promise.error());
  for (auto& s : *from_promise) default_selectors.push_back(std::move(s));
  groups.push_back(group_json(kDefaultDirectory, *rest, std::move(default_selectors)));
  return groups;
}

Json work_json(const WorkCreatorOptions& o, Json groups, const std::string& now) {
  Json work = {{"apiVersion", api::kApiVersion}, {"kind", "Work"},
               {"metadata", {{"name", api::generated_name(work_identifier(o))}, {"namespace", work_namespace(o)},
                             {"labels", work_labels(o)}}},
               {"spec", {{"promiseName", o.promise_name}, {"lastExecutionTimestamp", now},
                         {"workloadGroups", std::move(groups)}}}};
  if (!o.resource_name.empty()) work["spec"]["resourceName"] = o.resource_name;
  if (!o.trace_parent.empty()) work["metadata"]["annotations"][api::kAnnotationTraceParent] = o.trace_parent;
  if (!o.trace_state.empty()) work["metadata"]["annotations"][api::kAnnotationTraceState] = o.trace_state;
  return work;
}

std::string label_selector(const Json& labels) {
  std::string out;
  for (const auto& [k, v] : labels.items()) out += (out.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  return out;
}

}  // namespace

kube::Status validate(const WorkCreatorOptions& o) {
  if (o.input_directory.empty()) return std::unexpected(invalid("must provide --input-directory"));
  if (o.promise_name.empty()) return std::unexpected(invalid("must provide --promise-name"));
  if (o.pipeline_name.empty()) return std::unexpected(invalid("must provide --pipeline-name"));
  if (o.workflow_type != kWorkflowTypePromise && o.workflow_type != kWorkflowTypeResource) {
    return std::unexpected(invalid("--workflow-type must be promise or resource, not \"" + o.workflow_type + "\""));
  }
  if (is_resource_workflow(o) && o.resource_name.empty()) {
    return std::unexpected(invalid("must provide --resource-name for a resource workflow"));
  }
  return {};
}

std::string work_namespace(const WorkCreatorOptions& o) {
  return o.namespace_.empty() ? api::kSystemNamespace : o.namespace_;
}

std::string distinct_resource_namespace(const WorkCreatorOptions& o) {
  return o.resource_namespace == work_namespace(o) ? "" : o.resource_namespace;
}

std::string work_identifier(const WorkCreatorOptions& o) {
  if (!is_resource_workflow(o)) return o.promise_name + "-" + o.pipeline_name;
  const std::string rrns = distinct_resource_namespace(o);
  return o.promise_name + "-" + o.resource_name + (rrns.empty() ? "" : "-" + rrns) + "-" + o.pipeline_name;
}

std::map<std::string, std::string> work_labels(const WorkCreatorOptions& o) {
  std::map<std::string, std::string> labels = {{api::kLabelPromiseName, o.promise_name},
                                               {api::kLabelWorkType, o.workflow_type}};
  if (!o.pipeline_name.empty()) labels[api::kLabelPipelineName] = o.pipeline_name;
  if (!o.resource_name.empty()) labels[api::kLabelResourceName] = o.resource_name;
  if (auto rrns = distinct_resource_namespace(o); !rrns.empty()) labels[api::kLabelResourceNamespace] = rrns;
  return labels;
}

kube::Result<std::optional<Json>> build_work(const WorkCreatorOptions& o, const std::string& now) {
  if (auto valid = validate(o); !valid) return std::unexpected(valid.error());
  const fs::path root = o.input_directory;
  auto selectors = read_destination_selectors(root);
  if (!selectors) return std::unexpected(selectors.error());
  auto control = read_workflow_control(root / kMetadataDir / kWorkflowControlFile);
  if (!control) return std::unexpected(control.error());
  if (suspends_or_retries(*control)) return std::optional<Json>();
  auto groups = workload_groups(o, *selectors);
  if (!groups) return std::unexpected(groups.error());
  return std::optional<Json>(work_json(o, std::move(*groups), now));
}

namespace {

// One attempt: find the Work this one replaces, then create or update.
kube::Result<AppliedWork> apply_once(const kube::Client& client, const Json& work) {
  const Json& metadata = kube::child(work, "metadata");
  const std::string ns = metadata.value("namespace", "");
  const Json& labels = kube::child(metadata, "labels");
  if (labels.empty()) return std::unexpected(invalid("a Work without labels cannot be matched to the one it replaces"));
  auto existing = client.list(api::works(), ns, {.label_selector = label_selector(labels)});
  if (!existing) return std::unexpected(existing.error());
  if (existing->items.empty()) {
    auto created = client.create(api::works(), ns, work);
    if (!created) return std::unexpected(created.error());
    return AppliedWork{std::move(*created), true};
  }
  if (existing->items.size() > 1) {
    return std::unexpected(kube::make_error(
        ErrorKind::kOther, "more than 1 work exist with the matching labels for Promise: \"" +
                               labels.value(api::kLabelPromiseName, "") + "\", Resource: \"" +
                               labels.value(api::kLabelResourceName, "") + "\", Pipeline: \"" +
                               labels.value(api::kLabelPipelineName, "") + "\". unable to update"));
  }
  Json current = std::move(existing->items.front());
  current["apiVersion"] = api::kApiVersion;
  current["kind"] = "Work";
  current["spec"] = kube::child(work, "spec");
  for (const auto& [k, v] : kube::child(metadata, "annotations").items()) current["metadata"]["annotations"][k] = v;
  auto updated = client.update(api::works(), current);
  if (!updated) return std::unexpected(updated.error());
  return AppliedWork{std::move(*updated), false};
}

}  // namespace

kube::Result<AppliedWork> apply_work(const kube::Client& client, const Json& work) {
  // The Work may change between the read and the write (its controller adds a finalizer and writes its
  // status): a conflict is worth a fresh read and another try before failing the container.
  for (int attempt = 1;; ++attempt) {
    auto applied = apply_once(client, work);
    if (applied || !kube::is(applied.error(), ErrorKind::kConflict) || attempt == 3) return applied;
  }
}

}  // namespace pave::adapter
