#include "pod_reconciler.h"

#include <filesystem>

#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"
#include "pod_lifecycle.h"

namespace pave::podrunner {

using kube::Json;

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(300);

// The pod's own container entry (a pointer into pod, so never into a temporary copy).
const Json* container_spec(const Json& pod, const std::string& name, bool init) {
  auto spec = pod.find("spec");
  if (spec == pod.end()) return nullptr;
  auto list = spec->find(init ? "initContainers" : "containers");
  if (list == spec->end() || !list->is_array()) return nullptr;
  for (const auto& c : *list) {
    if (c.is_object() && c.value("name", "") == name) return &c;
  }
  return nullptr;
}

// Whether the pod's current status already says everything in `status`.
bool reported(const Json& pod, const Json& status) {
  const Json current = pod.value("status", Json::object());
  for (const auto& [key, value] : status.items()) {
    if (!current.contains(key) || current[key] != value) return false;
  }
  return true;
}

}  // namespace

void PodReconciler::forget_pod(const std::string& uid) {
  if (auto s = podman_.remove_pod(uid, std::chrono::seconds(0)); !s) {
    kube::log::warn("could not remove containers", {{"uid", uid}, {"error", s.error().to_string()}});
  }
  std::error_code ec;
  std::filesystem::remove_all(pod_dir(uid), ec);
}

kube::Result<kube::ReconcileResult> PodReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr pod = pods_.store().get(request.key());
  if (!pod) {
    std::string uid;
    {
      std::lock_guard lock(mu_);
      if (auto it = uid_by_key_.find(request.key()); it != uid_by_key_.end()) {
        uid = it->second;
        uid_by_key_.erase(it);
      }
    }
    if (!uid.empty()) forget_pod(uid);
    return kube::ReconcileResult{};
  }
  const std::string uid = kube::meta::uid(*pod);
  {
    std::lock_guard lock(mu_);
    uid_by_key_[request.key()] = uid;
  }
  if ((*pod)["metadata"].contains("deletionTimestamp")) return finish_deletion(*pod);
  const std::string phase = pod->value("status", Json::object()).value("phase", "");
  if (phase == "Succeeded" || phase == "Failed") return kube::ReconcileResult{};

  auto runs = podman_.runs(uid);
  if (!runs) return std::unexpected(runs.error());
  PodPlan plan = plan_pod(*pod, *runs, std::chrono::system_clock::now());
  if (!plan.start.empty()) {
    if (auto s = start_containers(*pod, plan.start); !s) return std::unexpected(s.error());
    runs = podman_.runs(uid);
    if (!runs) return std::unexpected(runs.error());
    plan = plan_pod(*pod, *runs, std::chrono::system_clock::now());
  }
  std::string start_time = pod->value("status", Json::object()).value("startTime", "");
  if (start_time.empty()) start_time = kube::time_now();
  if (auto s = report(*pod, pod_status(*pod, *runs, plan, start_time, api_.host)); !s) return std::unexpected(s.error());
  if (plan.terminal()) {
    kube::log::info("pod finished", {{"pod", request.key()}, {"phase", plan.phase}});
    return kube::ReconcileResult{};
  }
  return kube::ReconcileResult{.requeue_after = plan.recheck_after.count() > 0 ? plan.recheck_after : kPollInterval};
}

kube::Status PodReconciler::start_containers(const Json& pod, const std::vector<ContainerToStart>& which) {
  auto volumes = prepare_volumes(client_, pod, pod_dir(kube::meta::uid(pod)));
  if (!volumes) return std::unexpected(volumes.error());
  for (const auto& c : which) {
    const Json* spec = container_spec(pod, c.name, c.init);
    if (!spec) continue;
    auto run = run_spec(client_, pod, *spec, c.attempt, *volumes, api_);
    if (!run) return std::unexpected(run.error());
    auto id = podman_.start(*run);
    if (!id) return std::unexpected(id.error());
    kube::log::info("container started", {{"pod", kube::meta::key(pod)}, {"container", c.name},
                                          {"attempt", std::to_string(c.attempt)}});
  }
  return {};
}

kube::Status PodReconciler::report(const Json& pod, const Json& status) {
  if (reported(pod, status)) return {};
  auto patched = client_.patch(kube::resources::pods(), kube::meta::namespace_of(pod), kube::meta::name(pod),
                               kube::PatchType::kMerge,
                               {{"metadata", {{"uid", kube::meta::uid(pod)}}}, {"status", status}},
                               {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  return {};
}

kube::Result<kube::ReconcileResult> PodReconciler::finish_deletion(const Json& pod) {
  const std::string uid = kube::meta::uid(pod);
  int64_t grace = pod["metadata"].value("deletionGracePeriodSeconds", pod["spec"].value("terminationGracePeriodSeconds", 30));
  if (auto s = podman_.remove_pod(uid, std::chrono::seconds(std::min<int64_t>(grace, 30))); !s) {
    return std::unexpected(s.error());
  }
  std::error_code ec;
  std::filesystem::remove_all(pod_dir(uid), ec);
  // The containers are gone: finish the deletion, as the kubelet does, for exactly this pod.
  auto deleted = client_.remove(kube::resources::pods(), kube::meta::namespace_of(pod), kube::meta::name(pod),
                                {.precondition_uid = uid, .grace_period_seconds = 0});
  if (!deleted && deleted.error().kind != kube::ErrorKind::kNotFound && deleted.error().kind != kube::ErrorKind::kConflict) {
    return std::unexpected(deleted.error());
  }
  kube::log::info("pod deleted", {{"pod", kube::meta::key(pod)}});
  return kube::ReconcileResult{};
}

void PodReconciler::collect_orphans() {
  auto uids = podman_.pod_uids();
  if (!uids) return;
  std::set<std::string> live;
  for (const auto& p : pods_.store().list()) live.insert(kube::meta::uid(*p));
  for (const auto& uid : *uids) {
    if (!live.contains(uid)) {
      kube::log::info("removing containers of a pod that no longer exists", {{"uid", uid}});
      forget_pod(uid);
    }
  }
}

}  // namespace pave::podrunner
