#include "platform/promise_release_reconciler.h"

#include "api/conditions.h"
#include "api/kratix.h"
#include "kube/log.h"
#include "kube/object.h"
#include "platform/finalizers.h"
#include "platform/promise_source.h"

namespace pave::platform {
namespace {

using kube::Json;

constexpr const char* kPromiseReleaseFinalizer = "kratix.io/promise-cleanup";
constexpr const char* kInstalled = "Installed";
constexpr const char* kErrorInstalling = "Error installing";
constexpr const char* kReasonInstalled = "InstalledSuccessfully";
constexpr const char* kMessageInstalled = "Installed successfully";
// While its Promise is being deleted a release looks again this often (the Promise going also wakes it).
constexpr auto kDeletionPoll = std::chrono::seconds(15);


Json owner_reference(const Json& release) {
  return {{"apiVersion", api::kApiVersion}, {"kind", "PromiseRelease"}, {"name", kube::meta::name(release)},
          {"uid", kube::meta::uid(release)}, {"controller", true}, {"blockOwnerDeletion", true}};
}

// The controller reference of object, or null.
const Json* controller_of(const Json& object) {
  const Json& owners = kube::child(kube::child(object, "metadata"), "ownerReferences");
  if (!owners.is_array()) return nullptr;
  for (const Json& o : owners) {
    if (o.value("controller", false)) return &o;
  }
  return nullptr;
}

// fetched's labels and annotations over existing's (fetched wins), with the release's label.
Json merged_metadata(const Json& existing, const Json& fetched, const std::string& release) {
  Json metadata = existing.is_object() ? existing : Json::object();
  for (const char* field : {"labels", "annotations"}) {
    Json merged = kube::child(existing, field);  // {} when there are none
    const Json& theirs = kube::child(kube::child(fetched, "metadata"), field);
    if (theirs.is_object()) merged.update(theirs);
    if (std::string(field) == "labels") merged[api::kLabelPromiseRelease] = release;
    if (!merged.empty()) metadata[field] = std::move(merged);
  }
  return metadata;
}

}  // namespace

PromiseReleaseReconciler::PromiseReleaseReconciler(kube::Client client, const kube::Informer& releases,
                                                   const kube::Informer& promises, kube::EventRecorder& events)
    : client_(std::move(client)), releases_(releases), promises_(promises), events_(events) {}

kube::IndexFunc PromiseReleaseReconciler::release_index() {
  return [](const Json& promise) -> std::vector<std::string> {
    std::string release = kube::meta::label(promise, api::kLabelPromiseRelease);
    if (release.empty()) return {};
    return {std::move(release)};
  };
}

kube::Result<kube::ReconcileResult> PromiseReleaseReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr release = releases_.store().get(request.key());
  if (!release) return kube::ReconcileResult{};
  if (kube::meta::deleting(*release)) return remove(*release);
  auto finalized = update_owned_finalizers(client_, api::promise_releases(), *release, {kPromiseReleaseFinalizer}, {kPromiseReleaseFinalizer});
  if (!finalized) return std::unexpected(finalized.error());
  if (*finalized) return install(**finalized);
  return install(*release);
}

kube::Result<kube::ReconcileResult> PromiseReleaseReconciler::install(const Json& release) {
  const std::string name = kube::meta::name(release);
  const Json& spec = kube::child(release, "spec");
  const std::string version = kube::string_at(spec, "version");
  const auto installed = promises_.store().by_index(kReleaseIndex, name);
  if (installed.size() > 1) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "failed to check if promise exists: expected 0 or 1 promises, got " +
                                                                           std::to_string(installed.size())));
  }
  if (installed.size() == 1 && !version.empty() && kube::meta::label(*installed.front(), api::kLabelPromiseVersion) == version) {
    if (auto s = write_status(release, true, kReasonInstalled, kMessageInstalled); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }

  auto authorization = release_authorization(client_, release);
  if (!authorization) return fail(release, "FailedToFetchPromise", authorization.error().message, authorization.error());
  auto fetched = fetch_promise(kube::string_at(kube::child(spec, "sourceRef"), "url"), *authorization);
  if (!fetched) {
    kube::Error e = fetched.error();
    e.message = "failed to fetch promise from url: " + e.message;
    return fail(release, "FailedToFetchPromise", "Failed to fetch Promise from URL", e);
  }
  if (auto problem = version_problem(*fetched, version)) {
    return fail(release, problem->reason, problem->message, kube::make_error(kube::ErrorKind::kInvalid, problem->message));
  }
  if (version.empty()) {
    // Kratix's order: the release takes the Promise's version first, and that update brings it back here.
    Json patch = {{"metadata", {{"resourceVersion", kube::meta::resource_version(release)}}},
                  {"spec", {{"version", kube::meta::label(*fetched, api::kLabelPromiseVersion)}}}};
    auto patched = client_.patch(api::promise_releases(), "", name, kube::PatchType::kMerge, patch);
    if (!patched) return std::unexpected(patched.error());
    return kube::ReconcileResult{};
  }
  if (auto s = create_or_update(release, *fetched); !s) {
    if (s.error().kind == kube::ErrorKind::kConflict) return std::unexpected(s.error());  // a retry, not a failure
    const std::string reason = s.error().kind == kube::ErrorKind::kInvalid ? "Invalid Promise" : "Failed";
    events_.warning(release, reason, reason, "Failed to install Promise \"" + kube::meta::name(*fetched) + "\": " + s.error().message);
    kube::Error e = s.error();
    e.message = "failed to create or update promise: " + e.message;
    if (auto w = write_status(release, false, "FailedToCreateOrUpdatePromise", "Failed to create or update Promise"); !w) {
      kube::log::warn("cannot write the release's status", {{"release", name}, {"error", w.error().message}});
    }
    return std::unexpected(e);
  }
  events_.normal(release, "Installed", "Install", "Installed Promise \"" + kube::meta::name(*fetched) + "\" at version " + version);
  if (auto s = write_status(release, true, kReasonInstalled, kMessageInstalled); !s) return std::unexpected(s.error());
  return kube::ReconcileResult{};
}

kube::Status PromiseReleaseReconciler::create_or_update(const Json& release, const Json& fetched) const {
  const std::string promise = kube::meta::name(fetched);
  auto existing = client_.get(api::promises(), "", promise);
  if (!existing && existing.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(existing.error());
  if (!existing) {
    Json object = {{"apiVersion", api::kApiVersion}, {"kind", "Promise"},
                   {"metadata", merged_metadata({{"name", promise}}, fetched, kube::meta::name(release))},
                   {"spec", kube::child(fetched, "spec")}};
    object["metadata"]["ownerReferences"] = Json::array({owner_reference(release)});
    auto created = client_.create(api::promises(), "", object);
    if (!created) return std::unexpected(created.error());
    return {};
  }
  const Json* controller = controller_of(*existing);
  if (controller && controller->value("uid", "") != kube::meta::uid(release)) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kAlreadyExists,
        "Object /" + promise + " is already owned by another " + controller->value("kind", "") + " controller " +
        controller->value("name", "")));
  }
  Json updated = *existing;
  updated["metadata"] = merged_metadata(kube::child(*existing, "metadata"), fetched, kube::meta::name(release));
  if (!controller) {
    Json& owners = updated["metadata"]["ownerReferences"];
    if (!owners.is_array()) owners = Json::array();
    owners.push_back(owner_reference(release));
  }
  updated["spec"] = kube::child(fetched, "spec");
  if (updated == *existing) return {};
  auto written = client_.update(api::promises(), updated);
  if (!written) return std::unexpected(written.error());
  return {};
}

kube::Result<kube::ReconcileResult> PromiseReleaseReconciler::remove(const Json& release) {
  if (!kube::meta::has_finalizer(release, kPromiseReleaseFinalizer)) return kube::ReconcileResult{};
  auto promises = client_.list(api::promises(), "", {.label_selector = std::string(api::kLabelPromiseRelease) + "=" +
                                                                       kube::meta::name(release)});
  if (!promises) return std::unexpected(promises.error());
  if (promises->items.empty()) {
    if (auto s = set_owned_finalizers(client_, api::promise_releases(), release, {kPromiseReleaseFinalizer}, {}); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }
  for (const Json& p : promises->items) {
    if (kube::meta::deleting(p)) continue;
    auto gone = client_.remove(api::promises(), "", kube::meta::name(p), {.precondition_uid = kube::meta::uid(p)});
    if (!gone && gone.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(gone.error());
  }
  return kube::ReconcileResult{.requeue_after = kDeletionPoll};
}

kube::Result<kube::ReconcileResult> PromiseReleaseReconciler::fail(const Json& release, const std::string& reason,
                                                                   const std::string& message, kube::Error error) {
  events_.warning(release, reason, "Install", error.message);
  if (auto s = write_status(release, false, reason, message); !s) {
    kube::log::warn("cannot write the release's status", {{"release", kube::meta::name(release)}, {"error", s.error().message}});
  }
  return std::unexpected(std::move(error));
}

kube::Status PromiseReleaseReconciler::write_status(const Json& release, bool installed, const std::string& reason,
                                                    const std::string& message) const {
  Json status = kube::child(release, "status");  // {} when there is none
  const Json before = status;
  status["status"] = installed ? kInstalled : kErrorInstalling;
  api::set_condition(status, {.type = kInstalled, .status = installed, .reason = reason, .message = message,
                              .observed_generation = kube::meta::generation(release)});
  if (status == before) return {};
  auto written = client_.patch(api::promise_releases(), "", kube::meta::name(release), kube::PatchType::kMerge,
                               {{"status", status}}, {.subresource = "status"});
  if (!written) return std::unexpected(written.error());
  return {};
}

}  // namespace pave::platform
