#include "platform/resource_bindings.h"

#include "api/conditions.h"
#include "api/kratix.h"
#include "api/naming.h"
#include "kube/object.h"
#include "platform/promise_revisions.h"
#include "workflow/labels.h"

namespace pave::platform {
namespace {

using kube::Json;


// The request's labels but the ones that ask for a re-run, and the two that find the binding.
Json wanted_labels(const std::string& promise, const Json& rr) {
  Json labels = kube::child(kube::child(rr, "metadata"), "labels");  // {} when there are none
  labels.erase(workflow::kLabelManualReconciliation);
  labels.erase(workflow::kLabelRunFromStart);
  labels[api::kLabelPromiseName] = promise;
  labels[api::kLabelResourceName] = kube::meta::name(rr);
  return labels;
}

}  // namespace

std::string binding_request_key(const std::string& promise, const std::string& ns, const std::string& request) {
  return promise + "/" + ns + "/" + request;
}

kube::IndexFunc binding_request_index() {
  return [](const Json& binding) -> std::vector<std::string> {
    const std::string promise = kube::meta::label(binding, api::kLabelPromiseName);
    const std::string request = kube::meta::label(binding, api::kLabelResourceName);
    if (promise.empty() || request.empty()) return {};
    return {binding_request_key(promise, kube::meta::namespace_of(binding), request)};
  };
}

std::string binding_name(const std::string& request, const std::string& promise) {
  return api::deterministic_name(request + "-" + promise);
}

kube::ObjectPtr find_binding(const kube::Informer& bindings, const std::string& promise, const Json& rr) {
  for (const auto& b : bindings.store().by_index(kBindingRequestIndex,
                                                 binding_request_key(promise, kube::meta::namespace_of(rr), kube::meta::name(rr)))) {
    if (!kube::meta::deleting(*b)) return b;
  }
  return nullptr;
}

kube::Result<Json> ensure_binding(const kube::Client& client, kube::EventRecorder& events, const kube::Informer& bindings,
                                  const std::string& promise, const Json& rr, const std::string& initial_version) {
  const std::string ns = kube::meta::namespace_of(rr);
  Json labels = wanted_labels(promise, rr);
  if (kube::ObjectPtr existing = find_binding(bindings, promise, rr)) {
    // A manual re-run asked of the binding stays until the binding reconciler takes it.
    if (kube::meta::label(*existing, workflow::kLabelManualReconciliation) == "true") labels[workflow::kLabelManualReconciliation] = "true";
    const Json& have = kube::child(kube::child(*existing, "metadata"), "labels");
    if (have == labels) return *existing;
    Json patch_labels = labels;
    for (const auto& [key, value] : have.items()) {
      if (!labels.contains(key)) patch_labels[key] = nullptr;
    }
    auto patched = client.patch(api::resource_bindings(), ns, kube::meta::name(*existing), kube::PatchType::kMerge,
                                {{"metadata", {{"labels", patch_labels}}}});
    if (!patched) return std::unexpected(patched.error());
    return *patched;
  }
  const std::string name = binding_name(kube::meta::name(rr), promise);
  Json binding = {{"apiVersion", api::kApiVersion}, {"kind", "ResourceBinding"},
                  {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
                  {"spec", {{"version", initial_version}, {"promiseRef", {{"name", promise}}},
                            {"resourceRef", {{"name", kube::meta::name(rr)}, {"namespace", ns}}}}}};
  auto created = client.create(api::resource_bindings(), ns, binding);
  if (!created) return std::unexpected(created.error());  // AlreadyExists: the cache is behind; retried
  events.normal(rr, "BindingCreated", "Configure",
                "Binding " + name + " created for promise " + promise + " version " + initial_version);
  return *created;
}

std::string latest_version(const kube::Informer& revisions, const std::string& promise) {
  for (const auto& r : revisions.store().by_index(kRevisionPromiseIndex, promise)) {
    if (!kube::meta::deleting(*r) && kube::child(kube::child(*r, "status"), "latest") == true) return kube::string_at(kube::child(*r, "spec"), "version");
  }
  return "";
}

kube::Result<kube::ObjectPtr> select_revision(const kube::Informer& revisions, const std::string& promise, const std::string& version) {
  std::vector<kube::ObjectPtr> found;
  for (const auto& r : revisions.store().by_index(kRevisionPromiseIndex, promise)) {
    if (kube::meta::deleting(*r)) continue;
    const bool match = version == kBindingLatest ? kube::child(kube::child(*r, "status"), "latest") == true
                                                 : kube::string_at(kube::child(*r, "spec"), "version") == version;
    if (match) found.push_back(r);
  }
  if (found.size() == 1) return found.front();
  if (version == kBindingLatest) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound,
        "cannot find any PromiseRevision for Promise " + promise + " with status.latest set to true"));
  }
  if (found.empty()) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound, "cannot find a PromiseRevision for Promise " + promise +
                                                                            " with version " + version + ": promise revision not found"));
  }
  return std::unexpected(kube::make_error(kube::ErrorKind::kConflict,
                                          "multiple PromiseRevisions for Promise " + promise + " with version " + version));
}

api::Condition upgrade_in_progress(const std::string& version, bool requested, int64_t generation) {
  return {.type = kUpgradeSucceeded, .reason = kReasonUpgradeInProgress,
          .message = requested ? "Reconciliation requested for version " + version : "Upgrade to version " + version + " is in progress",
          .observed_generation = generation, .unknown = true};
}

std::string in_flight_version(const Json& binding) {
  const Json* c = api::find_condition(binding, kUpgradeSucceeded);
  if (!c || c->value("status", "") != "Unknown" || c->value("reason", "") != kReasonUpgradeInProgress) return "";
  const std::string message = c->value("message", "");
  const size_t at = message.find("version ");
  if (at == std::string::npos) return "";
  const std::string rest = message.substr(at + 8);
  return rest.substr(0, rest.find(' '));
}

kube::Status report_upgrade(const kube::Client& client, const Json& binding, const std::string& version, UpgradeState state,
                            const std::string& failure) {
  Json status = kube::child(binding, "status");  // {} when there is none
  const Json before = status;
  const Json* condition = api::find_condition(binding, kUpgradeSucceeded);
  const std::string last_applied = kube::string_at(status, "lastAppliedVersion");
  const std::string failed_version = kube::string_at(status, "failedVersion");
  const int64_t generation = kube::meta::generation(binding);
  switch (state) {
    case UpgradeState::kRunning:
      // Only an upgrade is reported as one: a request's first run, or a re-run at its version, is not.
      if (failed_version.empty() && (!condition || condition->value("status", "") != "False") && last_applied == version) return {};
      if (last_applied.empty()) return {};
      api::set_condition(status, upgrade_in_progress(version, false, generation));
      break;
    case UpgradeState::kFailed:
      api::set_condition(status, {.type = kUpgradeSucceeded, .status = false, .reason = kReasonUpgradeFailed, .message = failure,
                                  .observed_generation = generation});
      status["failedVersion"] = version;
      break;
    case UpgradeState::kCompleted:
      if (condition) {
        api::set_condition(status, {.type = kUpgradeSucceeded, .status = true, .reason = kReasonUpgradeComplete,
                                    .message = "Resource is at version " + version, .observed_generation = generation});
      }
      status["lastAppliedVersion"] = version;
      status["failedVersion"] = "";
      break;
  }
  if (status == before) return {};
  auto written = client.patch(api::resource_bindings(), kube::meta::namespace_of(binding), kube::meta::name(binding),
                              kube::PatchType::kMerge, {{"status", status}}, {.subresource = "status"});
  if (!written && written.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(written.error());
  return {};
}

}  // namespace pave::platform
