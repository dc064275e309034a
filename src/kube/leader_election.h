// Leader election through a coordination.k8s.io/v1 Lease, as client-go does it.
//
// A candidate takes the Lease when it is free or its holder has not renewed it for lease_duration (as
// measured on this process's own clock from when it last saw the record change, so clock skew between
// machines does not matter). The leader renews every retry_period; if it cannot renew for renew_deadline
// it stops leading: on_stopped_leading runs and run() returns, so its controllers stop before another
// process can take over.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "kube/client.h"

namespace pave::kube {

class Metrics;

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process, e.g. hostname + pid
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  bool release_on_cancel = true;  // clear the holder when stopped, so a successor need not wait
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  LeaderElector(Client client, LeaderElectionConfig config, LeaderCallbacks callbacks, Metrics* metrics = nullptr);

  // Campaigns until leading, then renews until the lease is lost or stop becomes true. Returns when it
  // stops leading (or was stopped before leading).
  void run(const std::atomic<bool>& stop);

  bool is_leader() const { return leading_.load(); }

 private:
  enum class Attempt { kAcquired, kHeldByOther, kFailed };
  Attempt try_acquire_or_renew();
  void release();
  bool sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop) const;

  Client client_;
  const LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  Metrics* metrics_;
  std::atomic<bool> leading_{false};

  // What this process last saw of the Lease, and when (its own clock).
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::string reported_leader_;
};

}  // namespace pave::kube
