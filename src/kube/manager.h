// The manager runs a process's controllers: it shares informers between them, serves health and
// metrics, and (when configured) runs controllers only while this process holds the leader Lease.
//
//   kube::Manager mgr(client, {.name = "pave", .leader_election = lease, .health_port = 8081});
//   auto& promises = mgr.informer(promise_resource);
//   auto& c = mgr.add_controller("promise", std::make_shared<PromiseReconciler>(...));
//   c.watch(promises);
//   mgr.run();   // until stop() or a lost lease
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/health_server.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/metrics.h"

namespace pave::kube {

struct ManagerOptions {
  std::string name = "pave";
  std::optional<LeaderElectionConfig> leader_election;
  std::string health_address = "127.0.0.1";
  int health_port = -1;  // -1: no endpoint; 0: any free port
  std::chrono::milliseconds sync_timeout{120'000};
  EventRecorderOptions events;
};

class Manager {
 public:
  Manager(Client client, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  const Client& client() const { return client_; }
  Metrics& metrics() { return metrics_; }
  EventRecorder& events() { return *events_; }
  HealthServer* health() { return health_.get(); }

  // The informer for r with these options, made on first use and shared by every caller after.
  Informer& informer(const Resource& r, const InformerOptions& options = {});

  Controller& add_controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options = {});

  // For what comes and goes at run time (a controller per Promise API): stops and forgets an informer
  // made by informer(r, options), then a controller made by add_controller. Remove the informers a
  // controller watches before the controller, so no handler calls into it after it is gone.
  void remove_informer(const Resource& r, const InformerOptions& options = {});
  void remove_controller(const Controller& controller);

  // Starts informers, waits for their caches, then runs controllers (while leading, when leader
  // election is on). Returns when stop() is called (success) or leadership is lost or caches never
  // sync (an error).
  Status run();
  void stop();

  bool synced() const;
  bool leading() const { return leading_.load(); }

 private:
  void start_controllers();
  void stop_controllers();

  Client client_;
  const ManagerOptions options_;
  Metrics metrics_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<HealthServer> health_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  bool running_ = false;
  bool controllers_running_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> leading_{false};
};

}  // namespace pave::kube
