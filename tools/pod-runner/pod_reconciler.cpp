#include "pod_reconciler.h"

#include <algorithm>
#include <filesystem>

#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"
#include "pod_lifecycle.h"

namespace pave::podrunner {

using kube::Json;

namespace {

// How often a running pod is looked at: often when nothing tells the runner that a container ended,
// seldom when podman's events do (then only in case one was missed).
constexpr auto kPollInterval = std::chrono::milliseconds(300);
constexpr auto kFollowedPollInterval = std::chrono::seconds(5);
// The kubelet's image pull backoff (10 s doubling to 5 min), and how often it retries a container whose
// configuration it refused.
constexpr auto kPullBackoff = std::chrono::seconds(10);
constexpr auto kMaxPullBackoff = std::chrono::minutes(5);
constexpr auto kConfigRetry = std::chrono::seconds(10);
// How long a failed pull reads ErrImagePull before it reads ImagePullBackOff (a kubelet shows the error
// until its next sync of the pod, then the backoff).
constexpr auto kPullErrorShown = std::chrono::seconds(2);

// The pull policy the API server would have defaulted: Always for :latest or no tag, else IfNotPresent.
std::string pull_policy(const Json& container) {
  std::string policy = container.value("imagePullPolicy", "");
  if (!policy.empty()) return policy;
  const std::string image = container.value("image", "");
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  const bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  return !tagged || image.ends_with(":latest") ? "Always" : "IfNotPresent";
}

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

void PodReconciler::restart_unhealthy(const Json& pod, const std::vector<std::string>& container_ids) {
  const int64_t grace = pod["spec"].value("terminationGracePeriodSeconds", 30);
  for (const auto& id : container_ids) {
    kube::log::warn("liveness probe failed: stopping the container to restart it", {{"pod", kube::meta::key(pod)}, {"container", id}});
    if (auto s = podman_.stop(id, std::chrono::seconds(std::min<int64_t>(grace, 30))); !s) {
      kube::log::warn("could not stop the container", {{"pod", kube::meta::key(pod)}, {"error", s.error().to_string()}});
    }
  }
}

void PodReconciler::forget_pod(const std::string& uid) {
  forget_memory(uid);
  if (auto s = podman_.remove_pod(uid, std::chrono::seconds(0)); !s) {
    kube::log::warn("could not remove containers", {{"uid", uid}, {"error", s.error().to_string()}});
  }
  std::error_code ec;
  std::filesystem::remove_all(pod_dir(uid), ec);
  logs_.remove(uid);
}

kube::Status PodReconciler::collect_finished(const std::string& uid) {
  {
    std::lock_guard lock(mu_);
    if (collected_.contains(uid)) return {};
  }
  auto runs = podman_.runs(uid);
  if (!runs) return std::unexpected(runs.error());
  if (!runs->empty()) {
    // The output first: a runner killed in between copies it again, from the containers still there.
    if (auto s = logs_.keep(podman_, uid, *runs); !s) return s;
    if (auto s = podman_.remove_pod(uid, std::chrono::seconds(0)); !s) return s;
  }
  std::error_code ec;
  std::filesystem::remove_all(pod_dir(uid), ec);
  prober_.forget(uid);
  std::lock_guard lock(mu_);
  blocked_.erase(uid);
  start_errors_.erase(uid);
  collected_.insert(uid);
  return {};
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
  if (phase == "Succeeded" || phase == "Failed") {
    if (auto s = collect_finished(uid); !s) return std::unexpected(s.error());
    return kube::ReconcileResult{};
  }

  auto runs = runs_of(uid);
  if (!runs) return std::unexpected(runs.error());
  PodPlan plan = plan_pod(*pod, *runs, std::chrono::system_clock::now());
  if (!plan.start.empty()) {
    if (auto s = start_containers(*pod, plan.start); !s) return std::unexpected(s.error());
    runs = runs_of(uid);
    if (!runs) return std::unexpected(runs.error());
    plan = plan_pod(*pod, *runs, std::chrono::system_clock::now());
  }
  remove_superseded(*pod, *runs);
  std::string start_time = pod->value("status", Json::object()).value("startTime", "");
  if (start_time.empty()) start_time = kube::time_now();
  const std::chrono::milliseconds poll = exits_ && exits_->following() ? kFollowedPollInterval : kPollInterval;
  std::chrono::milliseconds due_in = poll;
  const auto waiting = waiting_states(uid, due_in);
  const auto probed = prober_.probe(*pod, *runs, settings_.node_ip, std::chrono::system_clock::now());
  restart_unhealthy(*pod, probed.unhealthy);
  if (auto s = report(*pod, pod_status(*pod, *runs, plan, start_time, settings_.node_ip, waiting, probed.ready)); !s) {
    return std::unexpected(s.error());
  }
  if (plan.terminal()) {
    kube::log::info("pod finished", {{"pod", request.key()}, {"phase", plan.phase}});
    std::lock_guard lock(mu_);
    blocked_.erase(uid);
    return kube::ReconcileResult{};
  }
  auto next = plan.recheck_after.count() > 0 ? std::min(plan.recheck_after, poll) : poll;
  return kube::ReconcileResult{.requeue_after = std::min({next, due_in, probed.next_due})};
}

kube::Result<std::optional<Waiting>> PodReconciler::admit(const Json& pod, const Json& container, RunSpec& run) {
  if (auto refused = refuse_mounts(run.mounts)) return Waiting{"CreateContainerConfigError", *refused};
  const std::string& image = run.image;
  const std::string policy = pull_policy(container);
  auto user = podman_.image_user(image);
  if (!user) return std::unexpected(user.error());
  if (policy == "Never" && !*user) {
    return Waiting{"ErrImageNeverPull", "Container image \"" + image + "\" is not present with pull policy of Never"};
  }
  if (policy == "Always" || !*user) {
    if (auto pulled = podman_.pull(image); !pulled) {
      return Waiting{"ErrImagePull", "Failed to pull image \"" + image + "\": " + pulled.error().message};
    }
    user = podman_.image_user(image);
    if (!user) return std::unexpected(user.error());
    if (!*user) return Waiting{"ErrImagePull", "Failed to pull image \"" + image + "\": not found after the pull"};
  }
  run.image_user = **user;
  if (auto refused = verify_run_as_non_root(pod, container, run.security, run.image_user)) {
    return Waiting{"CreateContainerConfigError", *refused};
  }
  return std::optional<Waiting>{};
}

void PodReconciler::block(const std::string& uid, const std::string& container, const std::string& image,
                          Waiting waiting) {
  std::lock_guard lock(mu_);
  Blocked& b = blocked_[uid][container];
  b.image = image;
  b.failures = b.waiting.reason == waiting.reason ? b.failures + 1 : 1;
  auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kConfigRetry);
  if (waiting.reason == "ErrImagePull") {
    wait = std::min<std::chrono::steady_clock::duration>(kPullBackoff * (1 << std::min(b.failures - 1, 5)), kMaxPullBackoff);
  }
  b.failed_at = std::chrono::steady_clock::now();
  b.retry_at = b.failed_at + wait;
  b.waiting = std::move(waiting);
}

std::map<std::string, Waiting> PodReconciler::waiting_states(const std::string& uid, std::chrono::milliseconds& due_in) {
  std::map<std::string, Waiting> out;
  std::lock_guard lock(mu_);
  auto pod = blocked_.find(uid);
  if (pod == blocked_.end()) return out;
  const auto now = std::chrono::steady_clock::now();
  for (auto& [container, b] : pod->second) {
    Waiting w = b.waiting;
    // A failed pull reads as ErrImagePull for a moment, then as backing off until the next try.
    if (w.reason == "ErrImagePull" && now - b.failed_at >= kPullErrorShown) {
      w = {"ImagePullBackOff", "Back-off pulling image \"" + b.image + "\""};
    } else if (w.reason == "ErrImagePull") {
      due_in = std::min(due_in, std::chrono::duration_cast<std::chrono::milliseconds>(b.failed_at + kPullErrorShown - now));
    }
    out[container] = std::move(w);
    due_in = std::min(due_in, std::max(std::chrono::milliseconds(50),
                                       std::chrono::duration_cast<std::chrono::milliseconds>(b.retry_at - now)));
  }
  return out;
}

kube::Status PodReconciler::start_containers(const Json& pod, const std::vector<ContainerToStart>& all) {
  const std::string uid = kube::meta::uid(pod);
  // Containers still backing off from a failed pull or a refused configuration wait; with none to start,
  // nothing is prepared (preparing asks the API server for a token, every poll of a waiting pod otherwise).
  std::vector<ContainerToStart> which;
  {
    std::lock_guard lock(mu_);
    auto p = blocked_.find(uid);
    const auto now = std::chrono::steady_clock::now();
    for (const auto& c : all) {
      if (p != blocked_.end() && p->second.contains(c.name) && p->second[c.name].retry_at > now) continue;
      which.push_back(c);
    }
  }
  if (which.empty()) return {};
  auto volumes = prepare_volumes(client_, pod, pod_dir(uid), settings_.node_ip);
  if (!volumes) return std::unexpected(volumes.error());
  for (const auto& c : which) {
    const Json* spec = container_spec(pod, c.name, c.init);
    if (!spec) continue;
    auto run = run_spec(client_, pod, *spec, c.attempt, *volumes, settings_);
    if (!run) return std::unexpected(run.error());
    auto refused = admit(pod, *spec, *run);
    if (!refused) return std::unexpected(refused.error());
    if (*refused) {
      kube::log::warn("container not created", {{"pod", kube::meta::key(pod)}, {"container", c.name},
                                                {"reason", (*refused)->reason}, {"message", (*refused)->message}});
      block(uid, c.name, run->image, std::move(**refused));
      continue;
    }
    auto id = podman_.start(*run);
    if (!id) {
      start_failed(pod, c, run->image, id.error());
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (auto p = blocked_.find(uid); p != blocked_.end()) p->second.erase(c.name);
    }
    kube::log::info("container started", {{"pod", kube::meta::key(pod)}, {"container", c.name},
                                          {"attempt", std::to_string(c.attempt)}});
  }
  return {};
}

kube::Result<std::vector<ContainerRun>> PodReconciler::runs_of(const std::string& uid) {
  auto runs = podman_.runs(uid);
  if (!runs) return runs;
  auto known = [&](const ContainerRun& r) -> std::optional<std::string> {
    std::lock_guard lock(mu_);
    auto pod = start_errors_.find(uid);
    if (pod == start_errors_.end() || !pod->second.contains(r.id)) return std::nullopt;
    return pod->second[r.id];
  };
  bool started = false;
  for (const auto& r : *runs) {
    if (!r.created || known(r)) continue;
    auto s = podman_.start_created(r.id);
    if (s) started = true;
    else remember_start_error(uid, r.id, s.error().message);
  }
  if (started && !(runs = podman_.runs(uid))) return runs;
  for (auto& r : *runs) {
    if (!r.created) continue;
    r.start_error = known(r).value_or("");
    r.exited = !r.start_error.empty();
    if (r.exited) r.exit_code = 128;
  }
  return runs;
}

void PodReconciler::forget_memory(const std::string& uid) {
  prober_.forget(uid);
  std::lock_guard lock(mu_);
  blocked_.erase(uid);
  start_errors_.erase(uid);
  collected_.erase(uid);
}

void PodReconciler::remove_superseded(const Json& pod, const std::vector<ContainerRun>& runs) {
  std::map<std::string, int> latest;
  for (const auto& r : runs) latest[r.container] = std::max(latest[r.container], r.attempt);
  std::vector<std::string> ids;
  for (const auto& r : runs) {
    if (r.attempt < latest[r.container] - 1) ids.push_back(r.id);
  }
  if (auto s = podman_.remove(ids); !s) {
    kube::log::warn("could not remove old runs", {{"pod", kube::meta::key(pod)}, {"error", s.error().to_string()}});
  }
}

void PodReconciler::remember_start_error(const std::string& uid, const std::string& container_id, const std::string& error) {
  std::lock_guard lock(mu_);
  start_errors_[uid][container_id] = error;
}

void PodReconciler::start_failed(const Json& pod, const ContainerToStart& c, const std::string& image,
                                 const kube::Error& error) {
  const std::string uid = kube::meta::uid(pod);
  const auto runs = podman_.runs(uid).value_or(std::vector<ContainerRun>{});
  const ContainerRun* created = nullptr;
  for (const auto& r : runs) {
    if (r.container == c.name && r.attempt == c.attempt) created = &r;
  }
  kube::log::warn(created ? "container could not start" : "container not created",
                  {{"pod", kube::meta::key(pod)}, {"container", c.name}, {"message", error.message}});
  // One podman created is a run that ended; one it did not create waits and is tried again, as a
  // kubelet's CreateContainerError.
  if (created) remember_start_error(uid, created->id, error.message);
  else block(uid, c.name, image, Waiting{"CreateContainerError", error.message});
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
  logs_.remove(uid);
  forget_memory(uid);
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
  const std::set<std::string> with_containers(uids->begin(), uids->end());
  std::set<std::string> live;
  for (const auto& p : pods_.store().list()) {
    const std::string uid = kube::meta::uid(*p);
    live.insert(uid);
    // A finished pod with neither containers nor volumes left was collected by an earlier runner.
    const std::string phase = p->value("status", Json::object()).value("phase", "");
    std::error_code ec;
    if ((phase == "Succeeded" || phase == "Failed") && !with_containers.contains(uid) &&
        !std::filesystem::exists(pod_dir(uid), ec)) {
      std::lock_guard lock(mu_);
      collected_.insert(uid);
    }
  }
  for (const auto& uid : with_containers) {
    if (!live.contains(uid)) {
      kube::log::info("removing containers of a pod that no longer exists", {{"uid", uid}});
      forget_pod(uid);
    }
  }
  logs_.remove_all_but(live);
}

}  // namespace pave::podrunner
