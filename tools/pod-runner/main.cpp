// pave-pod-runner: plays the kubelet's part for one Node, running the pods bound to it with podman.
//
//   pave-pod-runner run  --kubeconfig K --node NAME [--node-ip 127.0.0.2] --state-dir DIR
//   pave-pod-runner logs --kubeconfig K --state-dir DIR NAMESPACE/POD CONTAINER [--previous]
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <map>

#include "kube/controller.h"
#include "kube/informer.h"
#include "kube/log.h"
#include "kube/object.h"
#include "container_exits.h"
#include "log_archive.h"
#include "node_agent.h"
#include "pod_reconciler.h"

namespace {

using namespace pave;

std::atomic<bool> g_stop{false};

int run(const std::string& kubeconfig, const std::string& node, const std::string& node_ip, const std::string& state_dir,
        int workers, bool apply_limits) {
  auto config = kube::load_kubeconfig({.paths = {kubeconfig}});
  if (!config) {
    kube::log::error("cannot load kubeconfig", {{"error", config.error().message}});
    return 2;
  }
  auto client = kube::make_client(*config);
  const std::string host_port = config->server.substr(config->server.find("://") + 3);
  const podrunner::ApiEndpoint api{host_port.substr(0, host_port.rfind(':')), host_port.substr(host_port.rfind(':') + 1)};

  auto version = client->request({.path = "/version"});
  podrunner::NodeAgent agent(*client, node, version ? version->value("gitVersion", "v0.0.0") : "v0.0.0", node_ip);
  if (auto s = agent.register_node(); !s) {
    kube::log::error("cannot register node", {{"node", node}, {"error", s.error().to_string()}});
    return 1;
  }
  agent.start();

  // This runner's containers are those of its Node in its cluster, whatever else runs on the host.
  auto kube_system = client->get(kube::resources::namespaces(), "", "kube-system");
  if (!kube_system) {
    kube::log::error("cannot tell which cluster this is", {{"error", kube_system.error().to_string()}});
    return 1;
  }
  const containers::Owner owner{node, kube::meta::uid(*kube_system)};
  const podrunner::RunnerSettings settings{.api = api, .node_ip = node_ip, .seccomp_dir = state_dir + "/seccomp", .apply_limits = apply_limits};
  kube::Informer pods(*client, kube::resources::pods(), {.field_selector = "spec.nodeName=" + node});
  // podman's events name a container's pod by uid.
  pods.add_index("uid", [](const kube::Json& pod) { return std::vector<std::string>{kube::meta::uid(pod)}; });
  auto reconciler = std::make_shared<podrunner::PodReconciler>(*client, pods, containers::Podman(owner), state_dir, settings);
  kube::Controller controller("pod-runner", reconciler, {.workers = workers});
  controller.watch(pods);
  pods.start();
  if (!pods.wait_for_sync(std::chrono::minutes(2))) {
    kube::log::error("pod cache did not sync");
    return 1;
  }
  reconciler->collect_orphans();
  const auto enqueue = [enqueuer = controller.enqueuer()](const std::vector<kube::ObjectPtr>& found) {
    for (const auto& pod : found) enqueuer(kube::Request::from_key(kube::meta::key(*pod)));
  };
  podrunner::ContainerExits exits(
      containers::Podman(owner), [&pods, enqueue](const std::string& uid) { enqueue(pods.store().by_index("uid", uid)); },
      [&pods, enqueue] { enqueue(pods.store().list()); });
  reconciler->follow(exits);
  exits.start();
  controller.start();
  std::cout << "READY node=" << node << std::endl;
  kube::log::info("pod runner ready", {{"node", node}, {"api", api.host + ":" + api.port}});
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  controller.stop();
  exits.stop();
  pods.stop();
  agent.stop();
  return 0;
}

// The run to print: the latest attempt of the container (or the one before it) among those podman still
// has and those kept in the log archive after their pod finished.
int logs(const std::string& kubeconfig, const std::string& state_dir, const std::string& pod_ref,
         const std::string& container, bool previous) {
  auto config = kube::load_kubeconfig({.paths = {kubeconfig}});
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  auto slash = pod_ref.find('/');
  if (slash == std::string::npos) {
    std::cerr << "pod must be NAMESPACE/NAME\n";
    return 2;
  }
  auto pod = kube::make_client(*config)->get(kube::resources::pods(), pod_ref.substr(0, slash), pod_ref.substr(slash + 1));
  if (!pod) {
    std::cerr << pod.error().to_string() << "\n";
    return 1;
  }
  const std::string uid = kube::meta::uid(*pod);
  containers::Podman podman;
  auto runs = podman.runs(uid);  // fails, too, when the runner removes a container while podman lists it
  // Podman first, then the archive: the runner copies a run there before removing its container, so a
  // run gone from podman since it was listed is in the archive.
  const podrunner::LogArchive archive(state_dir);
  std::map<int, std::string> ids;  // attempt -> container id, "" when only the archive has it
  for (const auto& r : runs.value_or(std::vector<containers::ContainerRun>{})) {
    if (r.container == container) ids[r.attempt] = r.id;
  }
  for (int attempt : archive.attempts(uid, container)) ids.try_emplace(attempt, "");
  auto chosen = ids.empty() ? ids.end() : std::prev(ids.end());
  if (previous && chosen != ids.end()) chosen = chosen == ids.begin() ? ids.end() : std::prev(chosen);
  if (chosen == ids.end() && !runs) {
    std::cerr << runs.error().to_string() << "\n";
    return 1;
  }
  if (chosen == ids.end()) {
    std::cerr << "no " << (previous ? "previous " : "") << "run of container " << container << " in " << pod_ref << "\n";
    return 1;
  }
  // The archive is read last and wins: a container removed while podman printed it (podman then prints
  // nothing, or fails) was copied there before.
  auto text = chosen->second.empty() ? kube::Result<std::string>(std::string()) : podman.logs(chosen->second);
  if (auto kept = archive.read(uid, container, chosen->first)) text = std::move(*kept);
  if (!text) {
    std::cerr << text.error().to_string() << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pave-pod-runner: runs the pods bound to one Node with podman, in place of a kubelet"};
  app.require_subcommand(1);
  std::string kubeconfig, node = "pave-node", node_ip = "127.0.0.1", state_dir = "/var/lib/pave-pod-runner", log_format = "text";
  int workers = 4;
  bool no_limits = false;
  auto* run_cmd = app.add_subcommand("run", "register the Node and run its pods until SIGTERM");
  run_cmd->add_option("--kubeconfig", kubeconfig, "admin kubeconfig of the cluster")->required();
  run_cmd->add_option("--node", node, "Node name to register");
  run_cmd->add_option("--node-ip", node_ip, "the Node's address, and its pods' (they use the host's network)");
  run_cmd->add_option("--state-dir", state_dir, "where pod volumes and finished pods' output live");
  run_cmd->add_option("--workers", workers, "pods handled at once");
  run_cmd->add_option("--log-format", log_format, "text or json");
  run_cmd->add_flag("--no-resource-limits", no_limits, "do not apply containers' resources.limits (hosts whose cgroups cannot)");
  std::string pod_ref, container;
  bool previous = false;
  auto* logs_cmd = app.add_subcommand("logs", "print what a pod's container wrote");
  logs_cmd->add_option("--kubeconfig", kubeconfig, "kubeconfig of the cluster")->required();
  logs_cmd->add_option("--state-dir", state_dir, "the runner's --state-dir, where finished pods' output is kept");
  logs_cmd->add_option("pod", pod_ref, "NAMESPACE/NAME")->required();
  logs_cmd->add_option("container", container, "container name")->required();
  logs_cmd->add_flag("--previous,-p", previous, "the run before the latest");
  CLI11_PARSE(app, argc, argv);

  if (*run_cmd) {
    kube::log::Format format;
    if (kube::log::parse_format(log_format, format)) kube::log::configure(format, kube::log::Level::kInfo);
    std::signal(SIGTERM, [](int) { g_stop = true; });
    std::signal(SIGINT, [](int) { g_stop = true; });
    return run(kubeconfig, node, node_ip, state_dir, workers, !no_limits);
  }
  return logs(kubeconfig, state_dir, pod_ref, container, previous);
}
