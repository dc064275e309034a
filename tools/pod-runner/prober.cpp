#include "prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/http_client.h"
#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"

namespace pave::podrunner {
namespace {

using kube::Json;
using Clock = std::chrono::system_clock;

// A probe's port: a number, or the name of one of the container's ports.
int resolve_port(const Json& container, const Json& port) {
  if (port.is_number_integer()) return port.get<int>();
  if (!port.is_string()) return 0;
  for (const auto& p : container.value("ports", Json::array())) {
    if (p.is_object() && p.value("name", "") == port.get<std::string>()) return p.value("containerPort", 0);
  }
  return 0;
}

std::chrono::seconds seconds_at(const Json& probe, const char* key, int fallback) {
  const Json v = probe.value(key, Json());
  return std::chrono::seconds(v.is_number_integer() ? std::max(0, v.get<int>()) : fallback);
}

bool tcp_connects(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) return false;
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool ok = false;
  if (fd >= 0) {
    int rc = connect(fd, found->ai_addr, found->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      ok = poll(&p, 1, static_cast<int>(timeout.count())) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
           err == 0;
    }
    close(fd);
  }
  freeaddrinfo(found);
  return ok;
}

}  // namespace

std::optional<ProbeSpec> parse_probe(const Json& container, const std::string& which) {
  const Json probe = container.value(which, Json());
  if (!probe.is_object()) return std::nullopt;
  ProbeSpec spec;
  spec.initial_delay = seconds_at(probe, "initialDelaySeconds", 0);
  spec.period = std::max(std::chrono::seconds(1), seconds_at(probe, "periodSeconds", 10));
  spec.timeout = std::max(std::chrono::seconds(1), seconds_at(probe, "timeoutSeconds", 1));
  spec.success_threshold = std::max(1, probe.value("successThreshold", 1));
  spec.failure_threshold = std::max(1, probe.value("failureThreshold", 3));
  if (probe.contains("httpGet") && probe["httpGet"].is_object()) {
    const Json& get = probe["httpGet"];
    spec.kind = ProbeSpec::Kind::kHttpGet;
    spec.host = get.value("host", "");
    spec.port = resolve_port(container, get.value("port", Json()));
    spec.path = get.value("path", "/");
    if (spec.path.empty() || spec.path.front() != '/') spec.path = "/" + spec.path;
    if (get.value("scheme", "HTTP") != "HTTP") {
      spec.kind = ProbeSpec::Kind::kUnsupported;
      spec.unsupported = "httpGet with scheme " + get.value("scheme", "") + " is not run by this runner";
    }
  } else if (probe.contains("tcpSocket") && probe["tcpSocket"].is_object()) {
    spec.kind = ProbeSpec::Kind::kTcpSocket;
    spec.host = probe["tcpSocket"].value("host", "");
    spec.port = resolve_port(container, probe["tcpSocket"].value("port", Json()));
  } else {
    spec.unsupported = "only httpGet and tcpSocket probes are run by this runner";
  }
  if (spec.kind != ProbeSpec::Kind::kUnsupported && (spec.port <= 0 || spec.port > 65535)) {
    spec.kind = ProbeSpec::Kind::kUnsupported;
    spec.unsupported = "the probe's port names none of the container's ports";
  }
  return spec;
}

ProbeState record(ProbeState state, bool success, const ProbeSpec& spec) {
  if (success) {
    state.failures = 0;
    ++state.successes;
    if (state.successes >= spec.success_threshold) state.passing = true;
  } else {
    state.successes = 0;
    ++state.failures;
    if (state.failures >= spec.failure_threshold) state.passing = false;
  }
  return state;
}

bool run_probe(const ProbeSpec& spec, const std::string& pod_ip) {
  const std::string host = spec.host.empty() ? pod_ip : spec.host;
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(spec.timeout);
  switch (spec.kind) {
    case ProbeSpec::Kind::kTcpSocket:
      return tcp_connects(host, spec.port, timeout);
    case ProbeSpec::Kind::kHttpGet: {
      // As the kubelet: the first 10 KiB of the body are read and the rest ignored, and no proxy is used.
      auto answer = base::http_request({.url = "http://" + host + ":" + std::to_string(spec.port) + spec.path,
                                        .timeout = timeout, .max_body = 10 << 10, .truncate_body = true,
                                        .use_proxy = false});
      return answer && answer->status >= 200 && answer->status < 400;
    }
    case ProbeSpec::Kind::kUnsupported:
      return false;
  }
  return false;
}

bool Prober::due_and_run(const std::string& key, const ProbeSpec& spec, bool initially_passing, const std::string& pod_ip,
                         Clock::time_point started, Clock::time_point now, std::chrono::milliseconds& next_due) {
  Tracked current;
  {
    std::lock_guard lock(mu_);
    auto [it, fresh] = tracked_.try_emplace(key);
    if (fresh) {
      it->second.state.passing = initially_passing;
      it->second.next = started + spec.initial_delay;
    }
    current = it->second;
  }
  if (now < current.next) {
    next_due = std::min(next_due, std::chrono::duration_cast<std::chrono::milliseconds>(current.next - now));
    return current.state.passing;
  }
  if (spec.kind == ProbeSpec::Kind::kUnsupported) {
    kube::log::warn("probe not run, counted as failing", {{"probe", key}, {"why", spec.unsupported}});
  }
  const bool success = run_probe(spec, pod_ip);  // outside the lock: it may take timeoutSeconds
  current.state = record(current.state, success, spec);
  current.next = now + spec.period;
  next_due = std::min(next_due, std::chrono::duration_cast<std::chrono::milliseconds>(spec.period));
  std::lock_guard lock(mu_);
  tracked_[key] = current;
  return current.state.passing;
}

Prober::Outcome Prober::probe(const Json& pod, const std::vector<ContainerRun>& runs, const std::string& pod_ip,
                              Clock::time_point now) {
  Outcome out;
  const std::string uid = kube::meta::uid(pod);
  for (const auto& container : pod.value("spec", Json::object()).value("containers", Json::array())) {
    const std::string name = container.value("name", "");
    const ContainerRun* latest = nullptr;
    for (const auto& r : runs) {
      if (r.container == name && (!latest || r.attempt > latest->attempt)) latest = &r;
    }
    if (!latest || !latest->running) continue;
    const auto parsed = kube::parse_rfc3339(latest->started_at);
    const Clock::time_point started = parsed ? Clock::time_point(*parsed) : now;
    const std::string base = uid + "/" + latest->id + "/";
    bool ready = true;
    if (auto readiness = parse_probe(container, "readinessProbe")) {
      ready = due_and_run(base + "readiness", *readiness, false, pod_ip, started, now, out.next_due);
    }
    out.ready[name] = ready;
    if (auto liveness = parse_probe(container, "livenessProbe")) {
      if (!due_and_run(base + "liveness", *liveness, true, pod_ip, started, now, out.next_due)) {
        out.unhealthy.push_back(latest->id);
      }
    }
  }
  return out;
}

void Prober::forget(const std::string& pod_uid) {
  std::lock_guard lock(mu_);
  const std::string prefix = pod_uid + "/";
  for (auto it = tracked_.lower_bound(prefix); it != tracked_.end() && it->first.starts_with(prefix);) {
    it = tracked_.erase(it);
  }
}

}  // namespace pave::podrunner
