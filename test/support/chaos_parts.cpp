#include "support/chaos_parts.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace pave::testing::chaos {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void compare_store(const GitServer& git, const ChaosOptions& o, std::map<std::string, std::string> files, ChaosReport& r) {
  std::map<std::string, std::string>& expected = files;  // path -> content ("" for canaries: Pave's own text)
  for (int d = 0; d < o.destinations; ++d) {
    const std::string dest = "worker-" + std::to_string(d);
    expected[dest + "/dependencies/kratix-canary-namespace.yaml"] = "";
    expected[dest + "/resources/kratix-canary-configmap.yaml"] = "";
  }
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

bool count_placements(const kube::Client& client, const ChaosOptions& o, ChaosReport& r) {
  auto all = client.list_all(kPlacements, o.ns);
  if (!all) return false;
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
  return true;
}

// The Destinations and the store go (their cleanup is none: the files stay), and the config.
void clean_up(const ClusterAccess& cluster, const ChaosOptions& o) {
  std::vector<std::string> args{"delete", "gitstatestore/" + store_name(o), "--timeout=60s"};
  for (int d = 0; d < o.destinations; ++d) args.push_back("destination/" + o.prefix + "worker-" + std::to_string(d));
  cluster.kubectl(args);  // one call: they are deleted together, then waited for
  if (o.replicas) cluster.kubectl({"delete", "configmap", "kratix", "-n", kSystem, "--ignore-not-found"});
}

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

std::expected<kube::Client, std::string> harness_client(const ClusterAccess& cluster) {
  auto config = kube::load_kubeconfig({.paths = {cluster.kubeconfig}});
  if (!config) return std::unexpected(config.error().message);
  config->qps = 0;
  auto made = kube::make_client(*config);
  if (!made) return std::unexpected(made.error().message);
  return *made;
}

std::optional<std::string> start_controllers(Controllers& controllers, const kube::Client& client, const ChaosOptions& o) {
  for (int slot = 0; slot < controllers.count(); ++slot) {
    if (auto failed = controllers.start(slot)) return failed;
  }
  const bool destinations_ready = eventually([&] {
    auto list = client.list(kDestinations, "");
    size_t n = 0;
    for (const auto& d : list ? list->items : std::vector<Json>{}) n += ready(d) && kube::meta::name(d).starts_with(o.prefix + "worker-");
    return n == static_cast<size_t>(o.destinations);
  }, std::chrono::seconds(120));
  if (!destinations_ready) return "Destinations not Ready";
  return std::nullopt;
}

void run_phases(const kube::Client& client, Controllers& controllers, const ChaosOptions& o, ChaosReport& report,
                const std::string& work_dir, const Items& items) {
  const auto start = Clock::now();
  RequestErrors errors;
  std::thread writer([&] {
    on_each_work(o, [&](int i) { errors.note("creating " + items.name(i), client.create(items.resource, o.ns, items.make(i, 1))); });
    for (int i = 0; i < o.works; ++i) {
      if (changed(i)) {
        errors.note("changing " + items.name(i), client.apply(items.resource, items.make(i, 2), {.field_manager = "chaos", .force = true}));
      }
      if (deleted(i)) errors.note("deleting " + items.name(i), client.remove(items.resource, o.ns, items.name(i)));
    }
  });
  Killer killer(client, controllers, o, report);
  auto failed = killer.kill(o.kills);
  auto last_kill = Clock::now();
  writer.join();
  report.request_errors = errors.take();
  if (failed) {
    report.failure = *failed;
    return;
  }
  size_t left = 0;
  for (int i = 0; i < o.works; ++i) left += !deleted(i);
  if (auto why = items.settle(left)) report.failure = *why + " after the last kill (" + diagnose(client, o, work_dir) + ")";
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.settled_after_last_kill = std::chrono::duration<double>(Clock::now() - last_kill).count();
  report.rollout_placements = report.placements;
  report.rollout_ready = report.ready_placements;
  if (items.settled) items.settled();
  if (!report.clean() || !o.delete_works) return;

  // Every item left deleted at once, the controller killed meanwhile: their WorkPlacements must go and
  // take their files with them, leaving only the canaries.
  const auto deleting = Clock::now();
  std::thread deleter([&] {
    on_each_work(o, [&](int i) {
      if (!deleted(i)) errors.note("deleting " + items.name(i), client.remove(items.resource, o.ns, items.name(i)));
    });
  });
  failed = killer.kill(o.deletion_kills);
  last_kill = Clock::now();
  deleter.join();
  report.request_errors = errors.take();
  if (failed) {
    report.failure = *failed;
  } else if (auto why = items.settle(0)) {
    report.failure = *why + " after deleting every " + items.noun + " (" + diagnose(client, o, work_dir) + ")";
  }
  report.deletion_seconds = std::chrono::duration<double>(Clock::now() - deleting).count();
  report.deletion_settled_after_last_kill = std::chrono::duration<double>(Clock::now() - last_kill).count();
}

}  // namespace pave::testing::chaos
