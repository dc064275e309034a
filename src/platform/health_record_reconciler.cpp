#include "platform/health_record_reconciler.h"

#include <algorithm>
#include <array>

#include "api/kratix.h"
#include "kube/log.h"
#include "kube/object.h"
#include "platform/finalizers.h"
#include "platform/request_placement_reporter.h"

namespace pave::platform {
namespace {

using kube::Json;

constexpr const char* kHealthRecordFinalizer = "kratix.io/health-record-cleanup";

// Worst first: the aggregate is the earliest state any record has.
constexpr std::array<const char*, 5> kByPriority = {"unhealthy", "degraded", "unknown", "healthy", "ready"};

size_t priority(const std::string& state) {
  auto it = std::find(kByPriority.begin(), kByPriority.end(), state);
  return it == kByPriority.end() ? 2 : static_cast<size_t>(it - kByPriority.begin());  // unreadable: unknown
}

const Json& data(const Json& record) { return kube::child(record, "data"); }

std::string state_of(const Json& record) {
  const Json& s = kube::child(data(record), "state");
  return s.is_string() ? s.get<std::string>() : "unknown";
}

// The request a record is about: its Promise, namespace (the record's own when unset) and name.
struct RequestRef {
  std::string promise, ns, name;
  std::string key() const { return promise + "/" + ns + "/" + name; }
};

RequestRef request_of(const Json& record) {
  const Json& ref = kube::child(data(record), "resourceRef");
  RequestRef r{.promise = kube::string_at(kube::child(data(record), "promiseRef"), "name"),
               .ns = kube::string_at(ref, "namespace"), .name = kube::string_at(ref, "name")};
  if (r.ns.empty()) r.ns = kube::meta::namespace_of(record);
  return r;
}

}  // namespace

Json health_status(const std::vector<kube::ObjectPtr>& records) {
  std::vector<kube::ObjectPtr> live;
  for (const auto& r : records) {
    if (!kube::child(*r, "metadata").contains("deletionTimestamp")) live.push_back(r);
  }
  std::sort(live.begin(), live.end(), [](const kube::ObjectPtr& a, const kube::ObjectPtr& b) {
    return kube::meta::key(*a) < kube::meta::key(*b);
  });
  size_t worst = priority("ready");
  Json list = Json::array();
  for (const auto& r : live) {
    const std::string state = state_of(*r);
    worst = std::min(worst, priority(state));
    Json entry = {{"state", state}, {"source", {{"name", kube::meta::name(*r)}, {"namespace", kube::meta::namespace_of(*r)}}}};
    if (const Json& last = kube::child(data(*r), "lastRun"); last.is_number()) entry["lastRun"] = last;
    if (const Json& details = kube::child(data(*r), "details"); !details.empty()) entry["details"] = details;
    list.push_back(std::move(entry));
  }
  return {{"state", kByPriority[worst]}, {"healthRecords", std::move(list)}};
}

HealthRecordReconciler::HealthRecordReconciler(kube::Client client, const kube::Informer& records,
                                               const kube::Informer& promises, kube::EventRecorder& events)
    : client_(std::move(client)), records_(records), promises_(promises), events_(events) {}

kube::IndexFunc HealthRecordReconciler::request_index() {
  return [](const Json& record) -> std::vector<std::string> { return {request_of(record).key()}; };
}

kube::Result<kube::ReconcileResult> HealthRecordReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr record = records_.store().get(request.key());
  if (!record) return kube::ReconcileResult{};
  const bool deleting = kube::child(*record, "metadata").contains("deletionTimestamp");
  if (deleting) {
    if (!kube::meta::has_finalizer(*record, kHealthRecordFinalizer)) return kube::ReconcileResult{};
    if (auto s = report(*record, true); !s) return std::unexpected(s.error());
    if (auto s = set_owned_finalizers(client_, api::health_records(), *record, {kHealthRecordFinalizer}, {}); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }
  auto finalized = update_owned_finalizers(client_, api::health_records(), *record, {kHealthRecordFinalizer}, {kHealthRecordFinalizer});
  if (!finalized) return std::unexpected(finalized.error());
  if (*finalized) return kube::ReconcileResult{};  // the update wakes it again
  if (auto s = report(*record, false); !s) {
    if (s.error().kind != kube::ErrorKind::kNotFound) return std::unexpected(s.error());
    // The Promise or the request is not there (yet): look again later, as Kratix's error backoff would.
    kube::log::info("health record waits for its request", {{"record", kube::meta::key(*record)}, {"why", s.error().message}});
    return kube::ReconcileResult{.requeue_after = std::chrono::seconds(10)};
  }
  return kube::ReconcileResult{};
}

kube::Status HealthRecordReconciler::report(const Json& record, bool deleting) {
  const RequestRef ref = request_of(record);
  auto missing = [&](const std::string& what) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kNotFound, what + " not found"));
  };
  kube::ObjectPtr promise = promises_.store().get(ref.promise);
  if (!promise) return deleting ? kube::Status{} : missing("promise " + ref.promise);
  auto api = request_resource(*promise);
  if (!api || ref.name.empty()) return deleting ? kube::Status{} : missing("resource request of promise " + ref.promise);
  auto rr = client_.get(*api, ref.ns, ref.name);
  if (!rr && rr.error().kind == kube::ErrorKind::kNotFound && deleting) return {};
  if (!rr) return std::unexpected(rr.error());

  const Json health = health_status(records_.store().by_index(kRequestIndex, ref.key()));
  const Json& before = kube::child(kube::child(*rr, "status"), "healthStatus");
  if (before == health) return {};
  auto written = client_.patch(*api, ref.ns, ref.name, kube::PatchType::kMerge, {{"status", {{"healthStatus", health}}}},
                               {.subresource = "status"});
  if (!written) return std::unexpected(written.error());
  const std::string state = state_of(record);
  if (!deleting && kube::child(before, "state") != state) {
    const bool good = state == "healthy" || state == "ready";
    events_.record(*rr, good ? "Normal" : "Warning", "HealthRecord", "Health", "Health state is " + state);
  }
  return {};
}

}  // namespace pave::platform
