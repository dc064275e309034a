// pave-test-leader: one candidate in a leader election, for tests that need two processes.
//
//   pave-test-leader KUBECONFIG NAMESPACE IDENTITY [SERVER]
//
// Runs a Manager with leader election on Lease NAMESPACE/pave-test-leader and one controller that, while
// running, reconciles a fixed key every 100 ms. Prints to standard output, one line each:
//   LEADING <identity>      when it starts leading
//   TICK <identity>         each reconcile (so a test can see the controller run and stop)
//   LOST <identity>         when run() returns because leadership was lost
// SERVER overrides the kubeconfig's server (to route through a proxy the test can cut).
#include <cstdio>
#include <iostream>
#include <mutex>

#include "kube/manager.h"

namespace {

std::mutex out_mu;
void say(const std::string& what, const std::string& id) {
  std::lock_guard lock(out_mu);
  std::cout << what << " " << id << std::endl;
}

class Ticker : public pave::kube::Reconciler {
 public:
  explicit Ticker(std::string id) : id_(std::move(id)) {}
  pave::kube::Result<pave::kube::ReconcileResult> reconcile(const pave::kube::Request&) override {
    say("TICK", id_);
    return pave::kube::ReconcileResult{.requeue_after = std::chrono::milliseconds(100)};
  }

 private:
  std::string id_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace pave::kube;
  if (argc < 4) {
    std::cerr << "usage: pave-test-leader KUBECONFIG NAMESPACE IDENTITY [SERVER]\n";
    return 2;
  }
  const std::string id = argv[3];
  auto config = load_kubeconfig({.paths = {argv[1]}});
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  if (argc > 4) config->server = argv[4];
  config->timeout = std::chrono::seconds(2);
  config->max_retries = 0;
  auto client = make_client(*config);
  Manager manager(*client, {.name = "leader-test",
                            .leader_election = LeaderElectionConfig{.lease_namespace = argv[2],
                                                                    .lease_name = "pave-test-leader",
                                                                    .identity = id,
                                                                    .lease_duration = std::chrono::milliseconds(3000),
                                                                    .renew_deadline = std::chrono::milliseconds(2000),
                                                                    .retry_period = std::chrono::milliseconds(500)}});
  Controller& ticker = manager.add_controller("ticker", std::make_shared<Ticker>(id), {.workers = 1});
  ticker.enqueue({"", "tick"});
  std::thread watch_leading([&] {
    while (!manager.leading()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    say("LEADING", id);
  });
  watch_leading.detach();
  auto result = manager.run();
  if (!result) {
    say("LOST", id);
    std::fflush(stdout);
    std::_Exit(1);
  }
  return 0;
}
