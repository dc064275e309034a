#include "adapter/status_updater.h"
#include "api/kratix.h"

#include "adapter/contract.h"
#include "adapter/go_decoding.h"
#include "kube/object.h"

namespace pave::adapter {
namespace {

using kube::Json;

using kube::invalid;

Json merge_conditions(const Json& current, const Json& incoming) {
  Json out = Json::array();
  auto place = [&out](const Json& c) {
    if (!c.is_object() || !c.contains("type") || !c["type"].is_string()) return;
    for (auto& existing : out) {
      if (existing["type"] == c["type"]) {
        existing = c;
        return;
      }
    }
    out.push_back(c);
  };
  for (const auto& c : current) place(c);
  for (const auto& c : incoming) place(c);
  return out;
}

// Makes each key of the path an object where it is missing (or null); stops at anything else, which the
// caller then reports as missing.
void make_objects(Json& at, std::initializer_list<const char*> path) {
  Json* node = &at;
  if (node->is_null()) *node = Json::object();
  for (const char* key : path) {
    if (!node->is_object()) return;
    Json& next = (*node)[key];
    if (next.is_null()) next = Json::object();
    node = &next;
  }
}

// Where a workflow's pipelines are recorded: status.kratix.workflows for configure workflows (Kratix's flat
// layout), status.kratix.workflows.delete for the delete pipeline, which the controller lists when it
// starts it and which is made here when missing (a delete pipeline's suspension must always be recordable).
Json* workflow_record(Json& status, std::string_view action, std::string& missing) {
  const bool is_delete = action == kWorkflowActionDelete;
  missing = "status.kratix";
  if (is_delete) make_objects(status, {"kratix", "workflows", "delete"});
  if (!status.is_object() || !status.contains("kratix") || !status["kratix"].is_object()) return nullptr;
  Json& kratix = status["kratix"];
  missing = "status.kratix.workflows";
  if (!kratix.contains("workflows") || !kratix["workflows"].is_object()) return nullptr;
  Json& record = is_delete ? kratix["workflows"]["delete"] : kratix["workflows"];
  if (!record.is_object()) return nullptr;
  return &record;
}

// The record's pipelines list, or nullptr with the name of the first missing part.
Json* pipelines_of(Json& status, std::string_view action, std::string& missing) {
  Json* record = workflow_record(status, action, missing);
  if (!record) return nullptr;
  missing = "status.kratix.workflows.pipelines";
  if (action == kWorkflowActionDelete) {
    const Json& existing = kube::child(*record, "pipelines");
    if (!existing.is_array()) (*record)["pipelines"] = Json::array();  // missing (read as {}) or unusable
  }
  auto it = record->find("pipelines");
  if (it == record->end() || !it->is_array()) return nullptr;
  return &*it;
}

// The entry of pipeline in the list, or an error in Kratix's words.
kube::Result<Json*> pipeline_entry(Json& pipelines, const std::string& pipeline, std::string_view action) {
  for (size_t i = 0; i < pipelines.size(); ++i) {
    if (!pipelines[i].is_object()) {
      return std::unexpected(invalid("invalid pipeline status type at index " + std::to_string(i) +
                                     " in status.kratix.workflows.pipelines"));
    }
    if (pipelines[i].value("name", Json()) == pipeline) return &pipelines[i];
  }
  if (action == kWorkflowActionDelete) {
    pipelines.push_back({{"name", pipeline}, {"phase", api::workflow_status::kPhaseRunning}});
    return &pipelines.back();
  }
  return std::unexpected(invalid("pipeline \"" + pipeline + "\" not found in status.kratix.workflows.pipelines"));
}

int64_t attempts_of(const Json& entry) {
  const Json& a = kube::child(entry, "attempts");
  return a.is_number() ? a.get<int64_t>() : 0;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// The suspension bookkeeping of workflow-control.yaml (spec 3.6).
kube::Result<StatusUpdate> apply_control(StatusUpdate update, const StatusUpdateInput& in) {
  if (!suspends_or_retries(in.control)) {
    auto cleared = clear_pipeline_suspension(std::move(update.status), in.pipeline_name, in.workflow_action);
    if (!cleared) return std::unexpected(cleared.error());
    update.status = std::move(*cleared);
    return update;
  }
  std::string next_retry_at;
  if (in.control->is_retry()) {
    auto after = retry_duration(*in.control);
    if (!after) return std::unexpected(after.error());
    next_retry_at = format_rfc3339(in.now + std::chrono::duration_cast<std::chrono::system_clock::duration>(*after));
  }
  auto suspended = mark_pipeline_suspended(std::move(update.status), in.pipeline_name, in.control->message,
                                           next_retry_at, kube::meta::generation(in.object), in.workflow_action);
  if (!suspended) return std::unexpected(suspended.error());
  update.status = std::move(*suspended);
  update.suspend_label = true;
  return update;
}

}  // namespace

kube::Status check_incoming_status(const Json& incoming) {
  if (incoming.is_object() && incoming.contains("kratix")) {
    return std::unexpected(invalid("'kratix' is a kratix managed status field that cannot be updated via workflows; "
                                   "remove update to 'kratix' from the '/kratix/metadata/status.yaml' file"));
  }
  return {};
}

Json merge_status(const Json& current, const Json& incoming) {
  Json out = current.is_object() ? current : Json::object();
  if (!incoming.is_object()) return out;
  for (const auto& [key, value] : incoming.items()) {
    if (key == "conditions" && out.contains(key) && out[key].is_array() && value.is_array()) {
      out[key] = merge_conditions(out[key], value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

std::vector<std::string> non_message_keys(const Json& incoming) {
  std::vector<std::string> keys;
  if (!incoming.is_object()) return keys;
  for (const auto& [key, value] : incoming.items()) {
    if (key != "message") keys.push_back(key);
  }
  return keys;
}

Json mark_completed(Json status, std::string_view workflow_type, const std::string& now) {
  if (!status.is_object()) status = Json::object();
  if (status.value("message", Json()) == api::workflow_status::kMessagePending) {
    if (workflow_type == kWorkflowTypeResource) status["message"] = api::workflow_status::kMessageResourceRequested;
    if (workflow_type == kWorkflowTypePromise) status["message"] = api::workflow_status::kMessagePromiseConfigured;
  }
  if (status.contains("kratix") && status["kratix"].is_object()) {
    Json& kratix = status["kratix"];
    if (kratix.contains("workflows") && kratix["workflows"].is_object()) kratix["workflows"].erase("suspendedGeneration");
  }
  const Json completed = {{"type", api::workflow_status::kConfigureCompleted}, {"status", "True"},
                          {"reason", api::workflow_status::kReasonSucceeded}, {"message", api::workflow_status::kMessageSucceeded},
                          {"lastTransitionTime", now}};
  Json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = Json::array();
  for (auto& c : conditions) {
    if (c.is_object() && c.value("type", Json()) == api::workflow_status::kConfigureCompleted) {
      c = completed;
      return status;
    }
  }
  conditions.push_back(completed);
  return status;
}

kube::Result<Json> mark_pipeline_suspended(Json status, const std::string& pipeline, const std::string& message,
                                           const std::string& next_retry_at, int64_t generation, std::string_view action) {
  std::string missing;
  Json* pipelines = pipelines_of(status, action, missing);
  if (!pipelines) {
    return std::unexpected(invalid("missing " + missing + " while marking pipeline \"" + pipeline + "\" as suspended"));
  }
  auto entry = pipeline_entry(*pipelines, pipeline, action);
  if (!entry) return std::unexpected(entry.error());
  Json& e = **entry;
  e["phase"] = api::workflow_status::kPhaseSuspended;
  if (message.empty()) e.erase("message");
  else e["message"] = message;
  if (next_retry_at.empty()) {
    e.erase("nextRetryAt");
    e.erase("attempts");
  } else {
    e["nextRetryAt"] = next_retry_at;
    e["attempts"] = attempts_of(e) + 1;
  }
  (*workflow_record(status, action, missing))["suspendedGeneration"] = generation;
  return status;
}

kube::Result<Json> clear_pipeline_suspension(Json status, const std::string& pipeline, std::string_view action) {
  std::string missing;
  Json* pipelines = pipelines_of(status, action, missing);
  if (!pipelines) return status;  // nothing recorded yet, so nothing to clear
  auto entry = pipeline_entry(*pipelines, pipeline, action);
  if (!entry) return std::unexpected(entry.error());
  Json& e = **entry;
  e["phase"] = api::workflow_status::kPhaseRunning;
  e.erase("message");
  e.erase("attempts");
  e.erase("nextRetryAt");
  return status;
}

kube::Result<StatusUpdate> plan_status_update(const StatusUpdateInput& in) {
  if (auto ok = check_incoming_status(in.incoming); !ok) return std::unexpected(ok.error());
  StatusUpdate update;
  Json incoming = in.incoming.is_object() ? in.incoming : Json::object();
  if (in.workflow_type == kWorkflowTypePromise) {
    if (auto extra = non_message_keys(incoming); !extra.empty()) {
      update.warnings.push_back("promise workflow status has unsupported keys: " + join(extra) +
                                " in status.yaml; only 'message' can be updated in Promise status.");
      for (const auto& key : extra) incoming.erase(key);
    }
  }
  update.status = merge_status(kube::child(in.object, "status"), incoming);
  if (in.is_last_pipeline && in.workflow_action != kWorkflowActionDelete && !suspends_or_retries(in.control)) {
    update.status = mark_completed(std::move(update.status), in.workflow_type, format_rfc3339(in.now));
  }
  if (in.workflow_type != kWorkflowTypePromise && in.workflow_type != kWorkflowTypeResource) return update;
  return apply_control(std::move(update), in);
}

}  // namespace pave::adapter
