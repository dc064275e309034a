#include "support/chaos_harness.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "base/compression.h"
#include "base/subprocess.h"
#include "kube/client.h"
#include "kube/object.h"

namespace pave::testing {
namespace {

using kube::Json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const kube::Resource kWorks{"platform.kratix.io", "v1alpha1", "works", "Work", true};
const kube::Resource kPlacements{"platform.kratix.io", "v1alpha1", "workplacements", "WorkPlacement", true};
const kube::Resource kDestinations{"platform.kratix.io", "v1alpha1", "destinations", "Destination", false};
const kube::Resource kGitStores{"platform.kratix.io", "v1alpha1", "gitstatestores", "GitStateStore", false};
constexpr const char* kSystem = "kratix-platform-system";

std::string work_name(int i) { return "app-" + std::to_string(i); }
std::string repo(const ChaosOptions& o) { return "chaos-" + o.ns; }
std::string destination_of(int i, const ChaosOptions& o) { return "worker-" + std::to_string(i % o.destinations); }
std::string store_name(const ChaosOptions& o) { return o.prefix + "chaos"; }
bool changed(int i) { return i % 10 == 0; }
bool deleted(int i) { return i % 10 == 5; }

std::string content_of(int i, int version) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + work_name(i) + ", namespace: default}\ndata: {version: \"" +
         std::to_string(version) + "\"}\n";
}

Json work(int i, int version, const ChaosOptions& o) {
  return {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Work"},
          {"metadata", {{"name", work_name(i)}, {"namespace", o.ns}, {"labels", {{"kratix.io/pipeline-name", "configure"}}}}},
          {"spec", {{"promiseName", "app"}, {"resourceName", work_name(i)},
                    {"workloadGroups", Json::array({{{"id", "5058f1af8388633f609cadb75a75dc9d"}, {"directory", "."},
                        {"destinationSelectors", Json::array({{{"source", "promise"}, {"matchLabels", {{"dest", o.prefix + destination_of(i, o)}}}}})},
                        {"workloads", Json::array({{{"filepath", "app.yaml"}, {"content", base::gzip_base64(content_of(i, version))}}})}}})}}}};
}

// Kratix's nestedByMetadata path of Work i's file.
std::string path_of(int i, const ChaosOptions& o) {
  return destination_of(i, o) + "/resources/" + o.ns + "/app/" + work_name(i) + "/configure/5058f/app.yaml";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

std::string hostname() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

std::string lease_holder(const kube::Client& client) {
  auto lease = client.get(kube::resources::leases(), kSystem, "pave-controller");
  return lease ? kube::string_at(kube::child(*lease, "spec"), "holderIdentity") : "";
}

// The object's Ready condition, or null.
const Json* ready_condition(const Json& o) {
  for (const auto& c : kube::child(kube::child(o, "status"), "conditions")) {
    if (c.value("type", "") == "Ready") return &c;
  }
  return nullptr;
}

bool ready(const Json& o) {
  const Json* c = ready_condition(o);
  return c && c->value("status", "") == "True";
}

std::optional<std::string> set_up_store(const ClusterAccess& cluster, const kube::Client& client, GitServer& git,
                                        const ChaosOptions& o) {
  git.create_repo(repo(o));
  client.create(kube::resources::secrets(), o.ns, {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "chaos-git"}}},
                                                  {"stringData", {{"username", "kratix"}, {"password", "s3cr3t"}}}});
  if (auto made = client.create(kGitStores, "", {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "GitStateStore"},
                                                 {"metadata", {{"name", store_name(o)}}},
                                                 {"spec", {{"url", git.url(repo(o))}, {"secretRef", {{"name", "chaos-git"}, {"namespace", o.ns}}}}}});
      !made) {
    return "GitStateStore: " + made.error().message;
  }
  for (int d = 0; d < o.destinations; ++d) {
    const std::string path = "worker-" + std::to_string(d), name = o.prefix + path;
    auto made = client.create(kDestinations, "", {{"apiVersion", "platform.kratix.io/v1alpha1"}, {"kind", "Destination"},
                                                  {"metadata", {{"name", name}, {"labels", {{"dest", name}}}}},
                                                  {"spec", {{"path", path}, {"stateStoreRef", {{"kind", "GitStateStore"}, {"name", store_name(o)}}}}}});
    if (!made) return "Destination " + name + ": " + made.error().message;
  }
  if (o.replicas) {
    // A short Lease, so the test's takeovers take seconds: the Kratix config's own setting.
    cluster.kubectl({"apply", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kratix, namespace: kratix-platform-system}\n"
                                          "data:\n  config: |\n    controllerLeaderElection: {leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 1s}\n");
  }
  return std::nullopt;
}

// Compares the repository with what the Works say; with works_left false, after every Work was deleted,
// only the canaries may remain.
void compare_tree(const GitServer& git, const ChaosOptions& o, ChaosReport& r, bool works_left = true) {
  std::map<std::string, std::string> expected;  // path -> content ("" for canaries: Pave's own text)
  for (int d = 0; d < o.destinations; ++d) {
    const std::string dest = "worker-" + std::to_string(d);
    expected[dest + "/dependencies/kratix-canary-namespace.yaml"] = "";
    expected[dest + "/resources/kratix-canary-configmap.yaml"] = "";
  }
  for (int i = 0; i < o.works && works_left; ++i) {
    if (!deleted(i)) expected[path_of(i, o)] = content_of(i, changed(i) ? 2 : 1);
  }
  if (works_left) r.expected_files = expected.size();
  r.missing.clear();
  r.extra.clear();
  r.wrong_content.clear();
  const fs::path clone = git.clone(repo(o));
  std::set<std::string> found;
  for (auto it = fs::recursive_directory_iterator(clone); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), clone).string();
    found.insert(rel);
    auto e = expected.find(rel);
    if (e == expected.end()) {
      r.extra.push_back(rel);
    } else if (!e->second.empty() && read_file(it->path()) != e->second) {
      r.wrong_content.push_back(rel);
    }
  }
  for (const auto& [path, content] : expected) {
    if (!found.contains(path)) r.missing.push_back(path);
  }
  fs::remove_all(clone);
}

void count_placements(const kube::Client& client, const ChaosOptions& o, ChaosReport& r) {
  auto all = client.list_all(kPlacements, o.ns);
  if (!all) return;
  std::map<std::string, int> per_work;
  r.placements = all->items.size();
  r.ready_placements = 0;
  for (const auto& wp : all->items) {
    r.ready_placements += ready(wp) && !wp["metadata"].contains("deletionTimestamp");
    per_work[kube::meta::labels(wp)["kratix.io/work"]]++;
  }
  r.duplicate_placements.clear();
  for (const auto& [w, n] : per_work) {
    if (n > 1) r.duplicate_placements.push_back(w + " x" + std::to_string(n));
  }
}

// Why a run did not settle: the store's Ready condition, the WorkPlacements by the reason of theirs, and
// any lock file left in the controllers' caches.
std::string diagnose(const kube::Client& client, const ChaosOptions& o, const std::string& work_dir) {
  std::ostringstream out;
  const auto condition = [](const Json& obj) {
    const Json* c = ready_condition(obj);
    return c ? c->value("status", "") + " " + c->value("reason", "") + ": " + c->value("message", "") : "no Ready condition";
  };
  auto store = client.get(kGitStores, "", store_name(o));
  out << "GitStateStore " << (store ? condition(*store) : store.error().message) << "; WorkPlacements:";
  std::map<std::string, int> reasons;
  if (auto all = client.list_all(kPlacements, o.ns)) {
    for (const auto& wp : all->items) reasons[condition(wp).substr(0, 80)]++;
  }
  for (const auto& [reason, n] : reasons) out << " [" << n << "x " << reason << "]";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(work_dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (it->path().extension() == ".lock") out << "; lock file " << it->path().string();
  }
  return out.str();
}

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

// Calls fn(i) for every Work index, from four threads.
void on_each_work(const ChaosOptions& o, const std::function<void(int)>& fn) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < o.works; i += 4) fn(i);
    });
  }
  for (auto& t : threads) t.join();
}

// Waits for every one of `placements` WorkPlacements (0: none left, nor any Work) to be Ready and the
// repository to hold exactly what the Works say; why not, if they do not within the settle timeout.
std::optional<std::string> settle(const kube::Client& client, const GitServer& git, Controllers& controllers,
                                  const ChaosOptions& o, ChaosReport& report, size_t placements) {
  std::optional<std::string> gone;
  const bool settled = eventually([&] {
    if ((gone = controllers.exited())) return true;
    count_placements(client, o, report);
    if (report.placements != placements || report.ready_placements != placements) return false;
    if (placements == 0) {
      auto works = client.list_all(kWorks, o.ns);
      if (!works || !works->items.empty()) return false;
    }
    compare_tree(git, o, report, placements != 0);
    return report.clean();
  }, o.settle_timeout, std::chrono::seconds(1));
  if (gone) return gone;
  if (settled) return std::nullopt;
  compare_tree(git, o, report, placements != 0);
  return "not settled within " + std::to_string(o.settle_timeout.count()) + " s";
}

// The Destinations and the store go (their cleanup is none: the files stay), and the config.
void clean_up(const ClusterAccess& cluster, const ChaosOptions& o) {
  std::vector<std::string> args{"delete", "gitstatestore/" + store_name(o), "--timeout=60s"};
  for (int d = 0; d < o.destinations; ++d) args.push_back("destination/" + o.prefix + "worker-" + std::to_string(d));
  cluster.kubectl(args);  // one call: they are deleted together, then waited for
  if (o.replicas) cluster.kubectl({"delete", "configmap", "kratix", "-n", kSystem, "--ignore-not-found"});
}

}  // namespace

std::string ChaosReport::summary() const {
  std::ostringstream s;
  s << kills << " kills; " << seconds << " s (" << settled_after_last_kill << " s after the last kill); files expected "
    << expected_files << ", missing " << missing.size()
    << ", extra " << extra.size() << ", wrong " << wrong_content.size() << "; WorkPlacements " << rollout_ready << "/"
    << rollout_placements << " Ready, duplicated " << duplicate_placements.size() << ", failed requests " << request_errors.size();
  if (deletion_seconds > 0) {
    s << "; every Work deleted in " << deletion_seconds << " s (" << deletion_settled_after_last_kill
      << " s after the last kill), WorkPlacements left " << placements << " (missing, extra: of the canaries)";
  }
  if (!takeovers.empty()) {
    auto longest = *std::max_element(takeovers.begin(), takeovers.end());
    s << "; takeovers " << takeovers.size() << ", longest " << longest.count() << " ms";
  }
  if (!failure.empty()) s << "; FAILED: " << failure;
  for (const auto* list : {&missing, &extra, &wrong_content, &duplicate_placements, &request_errors}) {
    for (size_t i = 0; i < list->size() && i < 5; ++i) s << "\n  " << (*list)[i];
  }
  return s.str();
}

ChaosReport run_chaos(const ClusterAccess& cluster, GitServer& git, const std::string& pave_binary,
                      const std::string& work_dir, const ChaosOptions& o) {
  ChaosReport report;
  auto config = kube::load_kubeconfig({.paths = {cluster.kubeconfig}});
  if (!config) return report.failure = config.error().message, report;
  config->qps = 0;
  auto made = kube::make_client(*config);
  if (!made) return report.failure = made.error().message, report;
  const kube::Client client = *made;
  if (auto failed = set_up_store(cluster, client, git, o)) return report.failure = *failed, report;

  Controllers controllers(pave_binary, cluster.kubeconfig, work_dir, o.replicas);
  for (int slot = 0; slot < controllers.count(); ++slot) {
    if (auto failed = controllers.start(slot)) return report.failure = *failed, report;
  }
  // Destinations Ready (canaries written) before the Works come.
  const bool destinations_ready = eventually([&] {
    auto list = client.list(kDestinations, "");
    size_t n = 0;
    for (const auto& d : list ? list->items : std::vector<Json>{}) n += ready(d) && kube::meta::name(d).starts_with(o.prefix + "worker-");
    return n == static_cast<size_t>(o.destinations);
  }, std::chrono::seconds(120));
  if (!destinations_ready) return report.failure = "Destinations not Ready", report;

  const auto start = Clock::now();
  RequestErrors errors;
  std::thread writer([&] {
    on_each_work(o, [&](int i) { errors.note("creating " + work_name(i), client.create(kWorks, o.ns, work(i, 1, o))); });
    for (int i = 0; i < o.works; ++i) {
      if (changed(i)) {
        errors.note("changing " + work_name(i), client.apply(kWorks, work(i, 2, o), {.field_manager = "chaos", .force = true}));
      }
      if (deleted(i)) errors.note("deleting " + work_name(i), client.remove(kWorks, o.ns, work_name(i)));
    }
  });
  Killer killer(client, controllers, o, report);
  auto failed = killer.kill(o.kills);
  auto last_kill = Clock::now();
  writer.join();
  report.request_errors = errors.take();
  if (failed) return report.failure = *failed, report;

  size_t expected = 0;
  for (int i = 0; i < o.works; ++i) expected += !deleted(i);
  if (auto why = settle(client, git, controllers, o, report, expected)) {
    report.failure = *why + " after the last kill (" + diagnose(client, o, work_dir) + ")";
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.settled_after_last_kill = std::chrono::duration<double>(Clock::now() - last_kill).count();
  report.rollout_placements = report.placements;
  report.rollout_ready = report.ready_placements;

  if (report.clean() && o.delete_works) {
    // Every Work left deleted at once, the controller killed meanwhile: their WorkPlacements must go and
    // take their files with them, leaving only the canaries.
    const auto deleting = Clock::now();
    std::thread deleter([&] {
      on_each_work(o, [&](int i) {
        if (!deleted(i)) errors.note("deleting " + work_name(i), client.remove(kWorks, o.ns, work_name(i)));
      });
    });
    failed = killer.kill(o.deletion_kills);
    last_kill = Clock::now();
    deleter.join();
    report.request_errors = errors.take();
    if (failed) {
      report.failure = *failed;
    } else if (auto why = settle(client, git, controllers, o, report, 0)) {
      report.failure = *why + " after deleting every Work (" + diagnose(client, o, work_dir) + ")";
    }
    report.deletion_seconds = std::chrono::duration<double>(Clock::now() - deleting).count();
    report.deletion_settled_after_last_kill = std::chrono::duration<double>(Clock::now() - last_kill).count();
  }
  auto phase = Clock::now();
  clean_up(cluster, o);
  std::fprintf(stderr, "chaos: clean-up %.1f s\n", std::chrono::duration<double>(Clock::now() - phase).count());
  phase = Clock::now();
  controllers.stop_all();
  std::fprintf(stderr, "chaos: controllers stopped in %.1f s\n", std::chrono::duration<double>(Clock::now() - phase).count());
  return report;
}

}  // namespace pave::testing
