#include "pod_lifecycle.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "kube/time.h"

namespace pave::podrunner {
namespace {

using kube::Json;

const ContainerRun* latest_run(const std::vector<ContainerRun>& runs, const std::string& container) {
  const ContainerRun* latest = nullptr;
  for (const auto& r : runs) {
    if (r.container == container && (!latest || r.attempt > latest->attempt)) latest = &r;
  }
  return latest;
}

const ContainerRun* run_of(const std::vector<ContainerRun>& runs, const std::string& container, int attempt) {
  for (const auto& r : runs) {
    if (r.container == container && r.attempt == attempt) return &r;
  }
  return nullptr;
}

std::vector<std::string> names(const Json& pod, const char* which) {
  std::vector<std::string> out;
  for (const auto& c : pod.value("spec", Json::object()).value(which, Json::array())) out.push_back(c.value("name", ""));
  return out;
}

// Whether a finished run should be followed by another, per the pod's restartPolicy.
bool restarts(const std::string& policy, const ContainerRun& r) {
  if (policy == "Always") return true;
  if (policy == "OnFailure") return r.exit_code != 0;
  return false;
}

// Seconds-precision metav1.Time from podman's nanosecond timestamps.
std::string k8s_time(const std::string& podman_time) {
  auto t = kube::parse_rfc3339(podman_time);
  if (!t) return "";
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(*t)));
}

Json terminated(const ContainerRun& r) {
  Json t = {{"exitCode", r.exit_code}, {"reason", r.exit_code == 0 ? "Completed" : "Error"},
            {"containerID", "podman://" + r.id}};
  if (!r.start_error.empty()) {
    t["reason"] = "StartError";
    t["message"] = r.start_error;
  }
  if (auto s = k8s_time(r.started_at); !s.empty()) t["startedAt"] = s;
  if (auto f = k8s_time(r.finished_at); !f.empty()) t["finishedAt"] = f;
  return {{"terminated", t}};
}

Json container_status(const Json& spec, const std::vector<ContainerRun>& runs, const char* waiting_reason,
                      const std::map<std::string, Waiting>& waiting, const std::map<std::string, bool>& ready) {
  const std::string name = spec.value("name", "");
  const ContainerRun* latest = latest_run(runs, name);
  Json s = {{"name", name}, {"image", spec.value("image", "")}, {"imageID", ""}, {"ready", false},
            {"restartCount", latest ? latest->attempt : 0}, {"started", false}};
  if (auto w = waiting.find(name); w != waiting.end()) {
    s["state"] = {{"waiting", {{"reason", w->second.reason}, {"message", w->second.message}}}};
    if (latest) s["lastState"] = terminated(*latest);
    return s;
  }
  if (!latest) {
    s["state"] = {{"waiting", {{"reason", waiting_reason}}}};
  } else if (latest->running) {
    s["state"] = {{"running", {{"startedAt", k8s_time(latest->started_at)}}}};
    s["containerID"] = "podman://" + latest->id;
    auto probed = ready.find(name);
    s["ready"] = probed == ready.end() || probed->second;
    s["started"] = true;
  } else {
    s["state"] = terminated(*latest);
    s["containerID"] = "podman://" + latest->id;
  }
  if (latest && latest->attempt > 0) {
    if (const ContainerRun* previous = run_of(runs, name, latest->attempt - 1)) s["lastState"] = terminated(*previous);
  }
  return s;
}

// A pod condition; its transition time is kept from the pod's current status while its value holds.
Json condition(const Json& pod, const std::string& type, bool status, const std::string& reason = "") {
  const std::string value = status ? "True" : "False";
  std::string since = kube::time_now();
  for (const auto& c : pod.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == value) since = c.value("lastTransitionTime", since);
  }
  Json c = {{"type", type}, {"status", value}, {"lastTransitionTime", since}};
  if (!reason.empty()) c["reason"] = reason;
  return c;
}

}  // namespace

std::chrono::milliseconds restart_backoff(int attempt) {
  if (attempt <= 0) return std::chrono::milliseconds(0);
  return std::min<std::chrono::milliseconds>(std::chrono::milliseconds(500) * (1 << std::min(attempt - 1, 5)),
                                             std::chrono::seconds(10));
}

PodPlan plan_pod(const Json& pod, const std::vector<ContainerRun>& runs, std::chrono::system_clock::time_point now) {
  const std::string policy = pod.value("spec", Json::object()).value("restartPolicy", "Always");
  PodPlan plan;
  // Restart r's container once its backoff has passed; until then, ask to be looked at again.
  auto restart_when_due = [&](const ContainerRun& r, bool init) {
    const auto backoff = restart_backoff(r.attempt + 1);
    auto finished = kube::parse_rfc3339(r.finished_at);
    const auto due = finished ? *finished + backoff : now;
    if (due <= now) {
      plan.start.push_back({r.container, r.attempt + 1, init});
    } else {
      plan.recheck_after = std::chrono::duration_cast<std::chrono::milliseconds>(due - now) + std::chrono::milliseconds(50);
    }
  };

  for (const auto& name : names(pod, "initContainers")) {
    const ContainerRun* r = latest_run(runs, name);
    plan.phase = "Pending";
    if (!r) {
      plan.start.push_back({name, 0, true});
      return plan;
    }
    if (r->running || (!r->exited)) return plan;
    if (r->exit_code == 0) continue;
    if (policy == "Never") {
      plan.phase = "Failed";
      return plan;
    }
    restart_when_due(*r, true);
    return plan;
  }

  bool all_done = true, all_succeeded = true, any_started = false;
  for (const auto& name : names(pod, "containers")) {
    const ContainerRun* r = latest_run(runs, name);
    if (!r) {
      plan.start.push_back({name, 0, false});
      all_done = false;
      continue;
    }
    any_started = true;
    if (r->running || !r->exited) {
      all_done = false;
      continue;
    }
    if (restarts(policy, *r)) {
      restart_when_due(*r, false);
      all_done = false;
      continue;
    }
    all_succeeded = all_succeeded && r->exit_code == 0;
  }
  if (all_done) plan.phase = all_succeeded ? "Succeeded" : "Failed";
  else plan.phase = any_started ? "Running" : "Pending";
  return plan;
}

Json pod_status(const Json& pod, const std::vector<ContainerRun>& runs, const PodPlan& plan,
                const std::string& start_time, const std::string& host_ip, const std::map<std::string, Waiting>& waiting,
                const std::map<std::string, bool>& ready) {
  const Json spec = pod.value("spec", Json::object());
  Json init_statuses = Json::array(), statuses = Json::array();
  bool initialized = true;
  for (const auto& c : spec.value("initContainers", Json::array())) {
    init_statuses.push_back(container_status(c, runs, "PodInitializing", waiting, {}));
    const ContainerRun* r = latest_run(runs, c.value("name", ""));
    initialized = initialized && r && r->exited && r->exit_code == 0;
  }
  bool all_ready = true;
  for (const auto& c : spec.value("containers", Json::array())) {
    statuses.push_back(container_status(c, runs, initialized ? "ContainerCreating" : "PodInitializing", waiting, ready));
    all_ready = all_ready && statuses.back().value("ready", false);
  }
  const bool terminal = plan.terminal();
  const std::string not_ready = terminal ? "PodCompleted" : "ContainersNotReady";
  Json status = {{"phase", plan.phase}, {"hostIP", host_ip}, {"podIP", host_ip},
                 {"hostIPs", Json::array({{{"ip", host_ip}}})}, {"podIPs", Json::array({{{"ip", host_ip}}})},
                 {"startTime", start_time},
                 {"conditions", Json::array({condition(pod, "PodReadyToStartContainers", !terminal),
                                             condition(pod, "Initialized", initialized || terminal,
                                                       initialized ? "" : "ContainersNotInitialized"),
                                             condition(pod, "Ready", all_ready && !terminal, all_ready && !terminal ? "" : not_ready),
                                             condition(pod, "ContainersReady", all_ready && !terminal,
                                                       all_ready && !terminal ? "" : not_ready),
                                             condition(pod, "PodScheduled", true)})},
                 {"containerStatuses", statuses}};
  if (!init_statuses.empty()) status["initContainerStatuses"] = init_statuses;
  return status;
}

}  // namespace pave::podrunner
