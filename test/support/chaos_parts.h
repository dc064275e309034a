// The parts the chaos harnesses share (chaos_harness.h): the `pave controller` processes they kill and
// restart, the killer, the Git store and Destinations they roll out to, and what they count afterwards.
#pragma once

#include <unistd.h>

#include <chrono>
#include <expected>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/subprocess.h"
#include "kube/client.h"
#include "kube/object.h"
#include "support/chaos_harness.h"
#include "support/cluster.h"
#include "support/git_server.h"

namespace pave::testing::chaos {

using kube::Json;
using Clock = std::chrono::steady_clock;

inline const kube::Resource kWorks{"platform.kratix.io", "v1alpha1", "works", "Work", true};
inline const kube::Resource kPlacements{"platform.kratix.io", "v1alpha1", "workplacements", "WorkPlacement", true};
inline const kube::Resource kDestinations{"platform.kratix.io", "v1alpha1", "destinations", "Destination", false};
inline const kube::Resource kGitStores{"platform.kratix.io", "v1alpha1", "gitstatestores", "GitStateStore", false};
inline constexpr const char* kSystem = "kratix-platform-system";

// The run's repository, the store's name, Destination i's (of the rollout's item i) path under it.
inline std::string repo(const ChaosOptions& o) { return "chaos-" + o.ns; }
inline std::string destination_of(int i, const ChaosOptions& o) { return "worker-" + std::to_string(i % o.destinations); }
inline std::string store_name(const ChaosOptions& o) { return o.prefix + "chaos"; }
// Which items of the rollout are changed (a second version) and which deleted once all exist.
inline bool changed(int i) { return i % 10 == 0; }
inline bool deleted(int i) { return i % 10 == 5; }

std::string hostname();
// Who holds the controllers' Lease, "" when nobody does.
std::string lease_holder(const kube::Client& client);
// The object's Ready condition, or null.
const Json* ready_condition(const Json& o);
bool ready(const Json& o);

// The GitStateStore (on git's repository repo(o)) and o.destinations Destinations labelled dest=<name>;
// with replicas, the Kratix config's short Lease. Why not, if it fails.
std::optional<std::string> set_up_store(const ClusterAccess& cluster, const kube::Client& client, GitServer& git,
                                        const ChaosOptions& o);
// Counts the WorkPlacements in o.ns (Ready ones, and Works placed twice) into r; false, r untouched,
// when they cannot be listed.
bool count_placements(const kube::Client& client, const ChaosOptions& o, ChaosReport& r);
// The Destinations and the store go (their cleanup is none: the files stay), and the config.
void clean_up(const ClusterAccess& cluster, const ChaosOptions& o);
// Compares a clone of the repository with the Destinations' canaries and files (path -> content): into
// r's missing, extra and wrong_content.
void compare_store(const GitServer& git, const ChaosOptions& o, std::map<std::string, std::string> files, ChaosReport& r);
// Why a run did not settle: the store's Ready condition, the WorkPlacements by the reason of theirs, and
// any lock file left in the controllers' caches under work_dir.
std::string diagnose(const kube::Client& client, const ChaosOptions& o, const std::string& work_dir);
// Calls fn(i) for i in [0, o.works), from four threads.
void on_each_work(const ChaosOptions& o, const std::function<void(int)>& fn);

// A client of the cluster for the harness itself, without a client-side rate limit.
std::expected<kube::Client, std::string> harness_client(const ClusterAccess& cluster);

// The items a harness rolls out (Works or resource requests), by index.
struct Items {
  std::string noun;                                 // "Work", "request": for messages
  kube::Resource resource;
  std::function<std::string(int i)> name;
  std::function<Json(int i, int version)> make;     // item i at version (1, then 2 for those changed)
  // Waits until the cluster and the store show exactly the items left (0: none, only the canaries);
  // why not, if they do not within the settle timeout.
  std::function<std::optional<std::string>(size_t left)> settle;
  std::function<void()> settled;  // called once the rollout settled, before the deletion (may be empty)
};

class Controllers;
// Starts every controller and waits for the Destinations to be Ready (their canaries written), before
// anything is rolled out; why not, if they do not.
std::optional<std::string> start_controllers(Controllers& controllers, const kube::Client& client, const ChaosOptions& o);
// The phases both harnesses share, into report: every item created (from four threads), then every
// tenth changed and every tenth deleted, while the controller is killed o.kills times; settled; then,
// with o.delete_works, every item left deleted while it is killed o.deletion_kills times more, settled.
void run_phases(const kube::Client& client, Controllers& controllers, const ChaosOptions& o, ChaosReport& report,
                const std::string& work_dir, const Items& items);

// The controllers: one, or two with leader election; each slot restarts into the same cache directory,
// as a container restarts into its pod's emptyDir, whatever the kill left there.
class Controllers {
 public:
  Controllers(std::string pave, std::string kubeconfig, std::string dir, bool replicas)
      : pave_(std::move(pave)), kubeconfig_(std::move(kubeconfig)), dir_(std::move(dir)), replicas_(replicas) {}
  ~Controllers() { stop_all(); }
  void stop_all() {
    for (auto& c : slots_) {
      if (c) c->signal(SIGTERM);
    }
    for (auto& c : slots_) {
      if (c) c->stop(std::chrono::seconds(20));
      c.reset();
    }
  }
  std::optional<std::string> start(int slot) {
    std::vector<std::string> argv{pave_, "controller", "--kubeconfig", kubeconfig_, "--cache-dir",
                                  dir_ + "/cache-" + std::to_string(slot), "--health-port", "-1"};
    if (replicas_) argv.push_back("--leader-elect");
    // The Lease identity is then host and pid, which the harness reads back (a POD_NAME in the test's own
    // environment would give both replicas one identity).
    auto child = base::Child::spawn(argv, {{"POD_NAME", ""}},
                                    dir_ + "/controller-" + std::to_string(slot) + "-" + std::to_string(++starts_) + ".log");
    if (!child) return child.error();
    slots_[slot].emplace(std::move(*child));
    return std::nullopt;
  }
  void kill(int slot) {
    if (!slots_[slot]) return;
    slots_[slot]->signal(SIGKILL);
    slots_[slot]->wait_for(std::chrono::seconds(10));
    slots_[slot].reset();
  }
  pid_t pid(int slot) const { return slots_[slot] ? slots_[slot]->pid() : -1; }
  // A controller that exited by itself (the harness restarts them only after its kills), if any.
  std::optional<std::string> exited() {
    for (int slot = 0; slot < count(); ++slot) {
      if (!slots_[slot]) continue;
      if (auto code = slots_[slot]->wait_for(std::chrono::milliseconds(0))) {
        return "controller " + std::to_string(slot) + " exited by itself with status " + std::to_string(*code) +
               " (128 + n: signal n)";
      }
    }
    return std::nullopt;
  }
  int count() const { return replicas_ ? 2 : 1; }

 private:
  std::string pave_, kubeconfig_, dir_;
  bool replicas_;
  int starts_ = 0;
  std::optional<base::Child> slots_[2];
};


// Kills a controller (the leader's, with replicas) after each random pause and starts it again; with
// replicas, measures each takeover.
class Killer {
 public:
  Killer(const kube::Client& client, Controllers& controllers, const ChaosOptions& o, ChaosReport& report)
      : client_(client), controllers_(controllers), o_(o), report_(report), random_(o.seed),
        pause_(static_cast<int>(o.min_pause.count()), static_cast<int>(o.max_pause.count())), host_(hostname()) {}

  // Kills n times; why it could not go on, if it could not.
  std::optional<std::string> kill(int n) {
    auto leaderless_since = Clock::now();
    for (int k = 0; k < n; ++k) {
      // The random moment of each kill is the scenario: a fixed wait is what is meant here.
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_(random_)));
      int slot = 0;
      if (o_.replicas) {
        const std::string holder = lease_holder(client_);
        slot = holder == identity(1) ? 1 : 0;
        if (holder != identity(slot)) {
          if (Clock::now() - leaderless_since > std::chrono::seconds(60)) {
            return "no controller has led for 60 s (Lease holder \"" + holder + "\")";
          }
          --k;  // nobody leads yet: look again
          continue;
        }
        leaderless_since = Clock::now();
      }
      const std::string other = o_.replicas ? identity(1 - slot) : "";
      const auto killed_at = Clock::now();
      controllers_.kill(slot);
      ++report_.kills;
      if (o_.replicas) {
        eventually([&] { return lease_holder(client_) == other; }, std::chrono::seconds(60), std::chrono::milliseconds(50));
        report_.takeovers.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at));
      }
      if (auto failed = controllers_.start(slot)) return failed;
    }
    return std::nullopt;
  }

 private:
  std::string identity(int slot) const { return host_ + "-" + std::to_string(controllers_.pid(slot)); }

  const kube::Client& client_;
  Controllers& controllers_;
  const ChaosOptions& o_;
  ChaosReport& report_;
  std::mt19937 random_;
  std::uniform_int_distribution<int> pause_;
  std::string host_;
};


// The harness's own requests that failed: none may (the API server stays up; only Pave is killed).
class RequestErrors {
 public:
  template <typename T>
  void note(const std::string& what, const kube::Result<T>& r) {
    if (r) return;
    std::lock_guard lock(mu_);
    errors_.push_back(what + ": " + r.error().message);
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mu_);
    return std::exchange(errors_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::string> errors_;
};


}  // namespace pave::testing::chaos
