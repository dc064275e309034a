#include "platform/promise_revisions.h"

#include "api/kratix.h"
#include "api/naming.h"
#include "kube/object.h"
#include "platform/workflow_gates.h"

namespace pave::platform {
namespace {

using kube::Json;

bool is_latest(const Json& revision) {
  return kube::meta::label(revision, kLabelLatestRevision) == "true" ||
         kube::child(kube::child(revision, "status"), "latest") == true;
}

kube::Status set_latest(const kube::Client& client, const Json& revision, bool latest) {
  const std::string name = kube::meta::name(revision);
  auto labelled = client.patch(api::promise_revisions(), "", name, kube::PatchType::kMerge,
                               {{"metadata", {{"labels", {{kLabelLatestRevision, latest ? Json("true") : Json()}}}}}});
  if (!labelled && labelled.error().kind == kube::ErrorKind::kNotFound) return {};
  if (!labelled) return std::unexpected(labelled.error());
  auto status = client.patch(api::promise_revisions(), "", name, kube::PatchType::kMerge,
                             {{"status", {{"latest", latest}}}}, {.subresource = "status"});
  if (!status && status.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(status.error());
  return {};
}

}  // namespace

std::string revision_version(const Json& promise) {
  const std::string v = kube::meta::label(promise, api::kLabelPromiseVersion);
  return v.empty() ? kVersionNotSet : v;
}

std::string revision_name(const std::string& promise, const std::string& version) {
  return promise + "-" + api::md5_hex(version).substr(0, 5);
}

Json desired_revision(const Json& promise) {
  const std::string name = kube::meta::name(promise);
  const std::string version = revision_version(promise);
  Json revision = {{"apiVersion", api::kApiVersion}, {"kind", "PromiseRevision"},
          {"metadata", {{"name", revision_name(name, version)},
                        {"labels", {{api::kLabelPromiseName, name}, {kLabelLatestRevision, "true"}}},
                        {"ownerReferences", Json::array({{{"apiVersion", api::kApiVersion}, {"kind", "Promise"}, {"name", name},
                                                          {"uid", kube::meta::uid(promise)}, {"controller", true},
                                                          {"blockOwnerDeletion", true}}})}}},
          {"spec", {{"promiseRef", {{"name", name}}}, {"promiseSpec", promise.value("spec", Json::object())}, {"version", version}}}};
  // The Promise's re-run interval travels with the revision, unless a PromiseRelease manages the Promise
  // (Kratix's rule: the release's file, not the cluster copy, says what the Promise is).
  const Json& interval = kube::child(kube::child(kube::child(promise, "metadata"), "annotations"), kAnnotationReconciliationInterval);
  if (interval.is_string() && kube::meta::label(promise, api::kLabelPromiseRelease).empty()) {
    revision["metadata"]["annotations"] = {{kAnnotationReconciliationInterval, interval}};
  }
  return revision;
}

kube::IndexFunc revision_promise_index() {
  return [](const Json& revision) -> std::vector<std::string> {
    return {kube::string_at(kube::child(kube::child(revision, "spec"), "promiseRef"), "name")};
  };
}

bool has_revision(const kube::Informer& revisions, const std::string& promise, const std::string& version) {
  for (const auto& r : revisions.store().by_index(kRevisionPromiseIndex, promise)) {
    if (kube::string_at(kube::child(*r, "spec"), "version") == version && !kube::child(*r, "metadata").contains("deletionTimestamp")) {
      return true;
    }
  }
  return false;
}

kube::Status apply_revision(const kube::Client& client, kube::EventRecorder& events, const kube::Informer& revisions,
                            const Json& promise) {
  const Json desired = desired_revision(promise);
  const std::string name = kube::meta::name(desired);
  kube::ObjectPtr current = revisions.store().get(name);
  const bool same = current && kube::child(*current, "spec") == desired["spec"] &&
                    kube::meta::label(*current, kLabelLatestRevision) == "true" &&
                    kube::meta::annotations(*current)[kAnnotationReconciliationInterval] ==
                        kube::string_at(kube::child(desired["metadata"], "annotations"), kAnnotationReconciliationInterval);
  if (!same) {
    auto applied = client.apply(api::promise_revisions(), desired, {.field_manager = "pave", .force = true});
    if (!applied) return std::unexpected(applied.error());
    if (!current) {
      events.normal(promise, "RevisionCreated", "Configure",
                    "Created PromiseRevision " + name + " for version " + revision_version(promise));
    }
  }
  if (!current || kube::child(kube::child(*current, "status"), "latest") != true) {
    auto status = client.patch(api::promise_revisions(), "", name, kube::PatchType::kMerge, {{"status", {{"latest", true}}}},
                               {.subresource = "status"});
    if (!status) return std::unexpected(status.error());
  }
  for (const auto& other : revisions.store().by_index(kRevisionPromiseIndex, kube::meta::name(promise))) {
    if (kube::meta::name(*other) == name || !is_latest(*other)) continue;
    if (auto s = set_latest(client, *other, false); !s) return s;
  }
  return {};
}

}  // namespace pave::platform
