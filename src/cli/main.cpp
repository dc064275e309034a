// pave: one binary for the controller and the command line.
//
//   pave controller [--kubeconfig K] [--cache-dir D] [--health-port P] [--leader-elect] [--log-format json]
//   pave adapter reader | work-creator --input-directory D --promise-name P --pipeline-name N ... | update-status
//   pave destination bootstrap NAME [--kubeconfig K] [--argocd]
//   pave get resources PROMISE [NAME] [-n NS | -A] [-o tree|json|yaml]   (also as kubectl-pave)
//   pave init promise | add container | update api|dependencies|destination-selector | build promise|container
//   pave test PROMISE_DIR_OR_FILE [--request R] [--destinations F | --kubeconfig K] [-o text|json|yaml] [--watch]
//   pave version
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <iostream>
#include <thread>
#include <malloc.h>
#include <unistd.h>

#include "adapter/commands.h"
#include "admission/admission_server.h"
#include "kube/log.h"
#include "kube/object.h"
#include "kube/manager.h"
#include "kube/transport.h"
#include "api/kratix.h"
#include "cli/author_commands.h"
#include "cli/destination_command.h"
#include "cli/get_command.h"
#include "cli/test_command.h"
#include "platform/controllers.h"
#include "workflow/kratix_config.h"

namespace {

using namespace pave;

constexpr const char* kVersion = "0.1.0-dev";
std::atomic<bool> g_stop{false};
// How long requests to the API server may still take once a signal asks the controller to stop.
constexpr std::chrono::seconds kStopGrace{3};

// `pave controller`'s flags.
struct ControllerFlags {
  std::string kubeconfig;
  std::string cache_dir = "/var/cache/pave";
  std::string health_address = "127.0.0.1";
  int health_port = 8081;
  bool leader_elect = false;
  std::string lease_namespace = "kratix-platform-system";
  std::string adapter_image;
  std::optional<double> qps;  // nothing: none if the API server runs APF, else 200
  std::optional<int> burst;   // nothing: 400, or twice an explicit qps
  platform::ControllerOptions controllers;
  int webhook_port = 0;              // 0: no admission webhooks
  std::string webhook_address = "0.0.0.0";
  std::string webhook_url;           // where the API server calls them ...
  std::string webhook_service;       // ... or the Service in front of Pave: namespace/name
};

// Serves Kratix's admission checks when asked to (--webhook-port), on every replica.
std::unique_ptr<admission::AdmissionServer> start_admission(const ControllerFlags& flags, const kube::Client& client,
                                                            const workflow::KratixConfig& kratix) {
  if (flags.webhook_port <= 0) return nullptr;
  admission::AdmissionServerOptions options{.address = flags.webhook_address, .port = flags.webhook_port,
                                            .kratix = kratix, .adapter_image = flags.adapter_image};
  options.where.url = flags.webhook_url;
  if (const size_t slash = flags.webhook_service.find('/'); slash != std::string::npos) {
    options.where.service_namespace = flags.webhook_service.substr(0, slash);
    options.where.service_name = flags.webhook_service.substr(slash + 1);
  }
  auto server = std::make_unique<admission::AdmissionServer>(client, options);
  if (auto s = server->start(); !s) {
    kube::log::error("cannot serve the admission webhooks", {{"error", s.error().to_string()}});
    return nullptr;
  }
  return server;
}

// Who this replica is, in the Lease and in Events: its pod's name when it runs in a pod (POD_NAME, from
// the downward API: replicas in pods of one host may share a hostname and a pid), else host and pid.
std::string replica_identity() {
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) return pod;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

int run_controller(const ControllerFlags& flags) {
  const auto& [kubeconfig, cache_dir, health_address, health_port, leader_elect, lease_namespace, adapter_image, qps, burst, controllers,
               webhook_port, webhook_address, webhook_url, webhook_service] = flags;
  auto config = kubeconfig.empty() ? kube::load_config() : kube::load_kubeconfig({.paths = {kubeconfig}});
  if (!config) {
    kube::log::error("cannot load the cluster configuration", {{"error", config.error().message}});
    return 2;
  }
  // controller-runtime's and Flux's rule: against a server that runs API Priority and Fairness the
  // client does not limit itself unless told to; the server queues and sheds load fairly.
  bool apf = false;
  if (!qps) {
    kube::Config probe = *config;
    probe.qps = 0;
    auto transport = kube::Transport::create(probe);
    auto detected = transport ? kube::has_priority_and_fairness(**transport) : std::unexpected(transport.error());
    if (detected) apf = *detected;
    else kube::log::warn("cannot tell whether the API server runs Priority and Fairness", {{"error", detected.error().message}});
  }
  const kube::RateLimit limit = kube::choose_rate_limit(qps, burst, apf);
  config->qps = limit.qps;
  config->burst = limit.burst;
  kube::log::info("client-side rate limit", {{"qps", limit.qps > 0 ? fmt::format("{}", limit.qps) : "none"},
                                              {"burst", std::to_string(limit.burst)},
                                              {"why", qps ? "--qps" : apf ? "the API server runs Priority and Fairness" : "default"}});
  kube::log::info("starting pave controller", {{"version", kVersion}, {"cluster", config->describe()}});
  auto client = kube::make_client(*config);
  const std::string identity = replica_identity();
  kube::ManagerOptions options{.name = "pave", .health_address = health_address, .health_port = health_port,
                               .events = {.reporting_controller = "platform.kratix.io/pave", .reporting_instance = identity}};
  auto kratix = workflow::read_kratix_config(*client);
  if (!kratix) {
    kube::log::error("cannot read the Kratix config (ConfigMap kratix-platform-system/kratix, key config)",
                     {{"error", kratix.error().to_string()}});
    return 2;
  }
  if (leader_elect) {
    // The timings are the Kratix config's controllerLeaderElection (controller-runtime's defaults).
    const auto& timing = kratix->controller_leader_election;
    options.leader_election = kube::LeaderElectionConfig{.lease_namespace = lease_namespace, .lease_name = "pave-controller",
                                                         .identity = identity, .lease_duration = timing.lease_duration,
                                                         .renew_deadline = timing.renew_deadline,
                                                         .retry_period = timing.retry_period};
  }
  auto admission = start_admission(flags, *client, *kratix);
  if (flags.webhook_port > 0 && !admission) return 2;
  kube::Manager manager(*client, options);
  if (admission && manager.health()) {
    manager.health()->add_readiness_check("webhooks", [&admission] { return admission->ready(); });
  }
  platform::StateStoreRegistry registry;
  platform::ControllerOptions options_for_controllers = controllers;
  options_for_controllers.cache_dir = cache_dir;
  options_for_controllers.kratix = *kratix;
  options_for_controllers.adapter_image = adapter_image;
  // Destroyed before the manager: it removes the resource-request controllers from it.
  auto workflows = platform::add_controllers(manager, registry, options_for_controllers);
  // A signal handler may only set a flag; this thread turns it into a clean stop.
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::jthread stopper([&manager, &client](std::stop_token done) {
    while (!done.stop_requested() && !g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    manager.stop();
    // Requests in flight get a little time to finish (a status written after a push); none is retried,
    // and none outlasts that time: an API server that is gone or never answers would otherwise hold the
    // stop for its timeouts and every retry (12 s measured), past a standby's takeover. The Lease is
    // still given back afterwards, in a second (LeaderElector::release).
    if (g_stop.load()) client->transport().wind_down(kStopGrace);
  });
  auto result = manager.run();
  if (!result) {
    kube::log::error("controller stopped", {{"error", result.error().to_string()}});
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core), each keeping freed memory
  // for itself; with dozens of worker threads that fragmentation was a sixth of the controller's RSS
  // (bench/README.md). Two arenas cost no measurable throughput. Set before any thread starts.
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{"pave: a multi-cluster platform framework that speaks the Kratix API"};
  app.require_subcommand(1);
  ControllerFlags flags;
  std::string log_format = "text", log_level = "info";
  auto* controller = app.add_subcommand("controller", "run Pave's controllers against a cluster");
  controller->add_option("--kubeconfig", flags.kubeconfig, "kubeconfig (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)");
  controller->add_option("--cache-dir", flags.cache_dir, "where Git state stores keep their clones");
  controller->add_option("--health-port", flags.health_port, "port of /healthz, /readyz and /metrics (-1: none)");
  controller->add_option("--health-address", flags.health_address, "address /healthz, /readyz and /metrics listen on");
  controller->add_flag("--leader-elect", flags.leader_elect, "run controllers only while holding the Lease");
  controller->add_option("--qps", flags.qps,
                         "requests per second to the API server, on average (0: unlimited; default: unlimited when the "
                         "server runs API Priority and Fairness, else 200)");
  controller->add_option("--burst", flags.burst, "requests to the API server at once, above qps (default 400)");
  controller->add_option("--lease-namespace", flags.lease_namespace, "namespace of the leader-election Lease");
  controller->add_option("--work-workers", flags.controllers.work_workers, "Works scheduled at once")->check(CLI::PositiveNumber);
  controller->add_option("--workplacement-workers", flags.controllers.workplacement_workers,
                         "WorkPlacements reconciled at once (writes are batched per state store either way)")->check(CLI::PositiveNumber);
  controller->add_option("--store-refresh-seconds", flags.controllers.store_refresh_seconds,
                         "how often a state store (Git or bucket) is read for files changed behind Pave's back, which "
                         "are then written again (0: only when writing)")->check(CLI::NonNegativeNumber);
  controller->add_option("--pipeline-adapter-image", flags.adapter_image,
                         "image of the pipelines' reader, work-writer and status-writer (Kratix's PIPELINE_ADAPTER_IMG)")
      ->envname("PIPELINE_ADAPTER_IMG");
  controller->add_option("--webhook-port", flags.webhook_port,
                         "serve Kratix's admission webhooks on this port, with certificates Pave makes (0: none)");
  controller->add_option("--webhook-address", flags.webhook_address, "address the webhooks listen on");
  controller->add_option("--webhook-url", flags.webhook_url,
                         "https URL the API server calls the webhooks at (default https://127.0.0.1:PORT)");
  controller->add_option("--webhook-service", flags.webhook_service,
                         "NAMESPACE/NAME of the Service the API server calls the webhooks through (in-cluster)");
  controller->add_option("--log-format", log_format, "text or json");
  controller->add_option("--log-level", log_level, "debug, info, warn or error");
  // The steps Pave's pipeline Jobs run around the user's containers (Kratix's pipeline-adapter).
  auto* adapter = app.add_subcommand("adapter", "a pipeline pod's own steps: reader, work-creator, update-status");
  adapter->require_subcommand(1);
  adapter->add_subcommand("reader", "write the Promise or resource request to /kratix/input/object.yaml");
  adapter::WorkCreatorOptions work;
  auto* creator = adapter->add_subcommand("work-creator", "turn the pipeline's output into a Work");
  creator->add_option("--input-directory", work.input_directory, "directory holding input/, metadata/ and kratix-system/");
  creator->add_option("--promise-name", work.promise_name, "the Promise");
  creator->add_option("--pipeline-name", work.pipeline_name, "the pipeline");
  creator->add_option("--namespace", work.namespace_, "where the Work goes (default kratix-platform-system)");
  creator->add_option("--workflow-type", work.workflow_type, "promise or resource");
  creator->add_option("--resource-name", work.resource_name, "the resource request (resource workflows)");
  creator->add_option("--resource-namespace", work.resource_namespace, "the request's namespace, when pipelines run elsewhere");
  adapter->add_subcommand("update-status", "merge the pipeline's status.yaml and workflow control into the object's status");
  cli::DestinationBootstrapFlags bootstrap;
  auto* destination = cli::add_destination_command(app, bootstrap);
  cli::GetResourcesFlags get_resources;
  auto* get = cli::add_get_command(app, get_resources);
  cli::TestFlags test;
  cli::AuthorCommands author(app);
  auto* test_command = cli::add_test_command(app, test);
  app.add_subcommand("version", "print Pave's version");
  CLI11_PARSE(app, argc, argv);

  if (*adapter) {
    kube::log::configure(kube::log::Format::kText, kube::log::Level::kInfo);
    if (adapter->got_subcommand("reader")) return adapter::run_reader();
    if (adapter->got_subcommand("work-creator")) return adapter::run_work_creator(work);
    return adapter::run_update_status();
  }

  if (*destination) return cli::run_destination_bootstrap(bootstrap);
  if (*get) return cli::run_get_resources(get_resources);
  if (*test_command) return cli::run_test(test);
  if (author.chosen()) return author.run();
  if (app.got_subcommand("version")) {
    std::cout << "pave " << kVersion << "\n";
    return 0;
  }
  kube::log::Format format = kube::log::Format::kText;
  kube::log::Level level = kube::log::Level::kInfo;
  if (!kube::log::parse_format(log_format, format) || !kube::log::parse_level(log_level, level)) {
    std::cerr << "unknown --log-format or --log-level\n";
    return 2;
  }
  kube::log::configure(format, level);
  return run_controller(flags);
}
