#include "kube/leader_election.h"

#include <thread>


#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/object.h"
#include "kube/time.h"

namespace pave::kube {

LeaderElector::LeaderElector(Client client, LeaderElectionConfig config, LeaderCallbacks callbacks, Metrics* metrics)
    : client_(std::move(client)), config_(std::move(config)), callbacks_(std::move(callbacks)), metrics_(metrics) {}

bool LeaderElector::sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop) const {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(50)));
  }
  return !stop.load();
}

LeaderElector::Attempt LeaderElector::try_acquire_or_renew() {
  const Resource leases = resources::leases();
  const std::string now = micro_time_now();
  const int64_t duration_s = std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count();
  auto current = client_.get(leases, config_.lease_namespace, config_.lease_name);
  if (is_not_found(current)) {
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"},
                  {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                  {"spec", {{"holderIdentity", config_.identity}, {"leaseDurationSeconds", duration_s},
                            {"acquireTime", now}, {"renewTime", now}, {"leaseTransitions", 0}}}};
    return client_.create(leases, config_.lease_namespace, lease) ? Attempt::kAcquired : Attempt::kFailed;
  }
  if (!current) return Attempt::kFailed;

  Json spec = current->value("spec", Json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renew_time = spec.value("renewTime", "");
  if (holder != observed_holder_ || renew_time != observed_renew_time_) {
    observed_holder_ = holder;
    observed_renew_time_ = renew_time;
    observed_at_ = std::chrono::steady_clock::now();
  }
  if (!holder.empty() && holder != reported_leader_) {
    reported_leader_ = holder;
    if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
  }
  const bool held_by_other = !holder.empty() && holder != config_.identity;
  const bool expired = std::chrono::steady_clock::now() > observed_at_ + config_.lease_duration;
  if (held_by_other && !expired) return Attempt::kHeldByOther;

  // Take or renew it. The resourceVersion makes this a compare-and-swap: a rival's write wins cleanly.
  if (holder != config_.identity) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  spec["holderIdentity"] = config_.identity;
  spec["renewTime"] = now;
  spec["leaseDurationSeconds"] = duration_s;
  Json updated = *current;
  updated["spec"] = spec;
  auto written = client_.update(leases, updated);
  if (!written) return written.error().kind == ErrorKind::kConflict ? Attempt::kHeldByOther : Attempt::kFailed;
  observed_holder_ = config_.identity;
  observed_renew_time_ = now;
  observed_at_ = std::chrono::steady_clock::now();
  return Attempt::kAcquired;
}

void LeaderElector::release() {
  // The last requests of a stopping process: sent even when its transport has wound down (the controllers
  // may have taken all of its grace to stop), each given a second, so that a standby need not wait out the
  // lease, and an API server that does not answer cannot hold the stop.
  const std::string path = resources::leases().object_path(config_.lease_namespace, config_.lease_name);
  constexpr std::chrono::seconds kReleaseTimeout{1};
  auto current = client_.request({.method = "GET", .path = path, .timeout = kReleaseTimeout, .after_wind_down = true});
  if (!current || current->value("spec", Json::object()).value("holderIdentity", "") != config_.identity) return;
  Json updated = *current;
  updated["spec"]["holderIdentity"] = nullptr;
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["renewTime"] = micro_time_now();
  client_.request({.method = "PUT", .path = path, .body = updated.dump(), .timeout = kReleaseTimeout, .after_wind_down = true});
}

void LeaderElector::run(const std::atomic<bool>& stop) {
  const log::Fields who = {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}};
  // Campaign.
  while (!stop.load() && try_acquire_or_renew() != Attempt::kAcquired) {
    if (!sleep(config_.retry_period, stop)) return;
  }
  if (stop.load()) return;
  leading_ = true;
  if (metrics_) metrics_->set_leader(config_.lease_name, true);
  log::info("became leader", who);
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();

  // Renew until a renewal fails for longer than renew_deadline, or we are told to stop.
  auto last_renewed = std::chrono::steady_clock::now();
  while (sleep(config_.retry_period, stop)) {
    const Attempt attempt = try_acquire_or_renew();
    if (attempt == Attempt::kAcquired) {
      last_renewed = std::chrono::steady_clock::now();
    } else if (attempt == Attempt::kHeldByOther) {
      log::warn("lost leadership: another process holds the lease", who);
      break;
    } else if (std::chrono::steady_clock::now() - last_renewed > config_.renew_deadline) {
      log::warn("lost leadership: could not renew the lease in time", who);
      break;
    }
  }
  leading_ = false;
  if (metrics_) metrics_->set_leader(config_.lease_name, false);
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  if (stop.load() && config_.release_on_cancel) release();
}

}  // namespace pave::kube
