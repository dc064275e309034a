// The platform-wide Kratix configuration (kratix-spec.md 2.9): ConfigMap kratix-platform-system/kratix, key
// `config`, read once at start.
//
//   auto config = parse_kratix_config(configmap["data"]["config"].get<std::string>());
//   if (!config) log the error and stop: a malformed value names its key, e.g.
//     invalid value for "workflows.jobOptions.defaultBackoffLimit": expected an integer, got "two"
//
// Every field has Kratix's default, so an empty document (or no ConfigMap: KratixConfig{}) means "defaults".
// Keys Pave does not know (telemetry, featureFlags.promiseUpgrade, ...) are ignored, as Kratix ignores them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kube/client.h"
#include "kube/error.h"
#include "kube/json.h"

namespace pave::workflow {

// controllerLeaderElection: controller-runtime's defaults.
struct LeaderElectionConfig {
  std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
  std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::milliseconds retry_period = std::chrono::seconds(2);
};

// resourceBindingVersionStrategy: the version a new ResourceBinding starts at (spec 2.8).
enum class BindingVersionStrategy {
  kFloating,  // "latest": the request follows the Promise's newest revision
  kPinned,    // the newest revision's version at the time the binding is made
};

struct JobOptions {
  std::optional<int32_t> default_backoff_limit;  // unset: the Job keeps Kubernetes' default (6)
  // Pods of finished Kratix Jobs are deleted this long after the Job ends; unset (or <= 0 in the config)
  // turns the pod clean-up controller off. Kratix spells it in seconds but parses a duration ("60s").
  std::optional<std::chrono::milliseconds> pod_ttl_after_finished;
};

struct WorkflowsConfig {
  bool reconcile_after_failure = true;  // periodic re-runs also retry failed workflows
  JobOptions job_options;
  std::string default_image_pull_policy;  // "" = Kubernetes' own default
  // Kubernetes SecurityContext and ResourceRequirements objects, given to user containers that set none.
  std::optional<kube::Json> default_container_security_context;
  std::optional<kube::Json> default_container_resources;  // also replaces the built-in resources of Kratix's containers
};

struct LoggingConfig {
  std::string level = "info";  // trace | debug | info | warn | warning | error
  bool structured = true;      // JSON lines (Kratix's code default; its docs say false)
};

struct GitConfig {
  std::chrono::milliseconds minimum_fetch_interval = std::chrono::seconds(5);  // 0 = fetch before every write
};

struct KratixConfig {
  int number_of_jobs_to_keep = 5;  // per pipeline; values below 1 become 5
  bool selective_cache = false;    // cache only Secrets labelled app.kubernetes.io/part-of=kratix
  std::chrono::milliseconds reconciliation_interval = std::chrono::hours(10);
  // How often every WorkPlacement is rewritten to its state store; 0 disables the rewrite. Kratix's docs call
  // it workPlacementRewriteInterval; the code (and Pave) read stateStoreReconciliationInterval.
  std::chrono::milliseconds state_store_reconciliation_interval = std::chrono::hours(10);
  LeaderElectionConfig controller_leader_election;
  BindingVersionStrategy resource_binding_version_strategy = BindingVersionStrategy::kFloating;
  bool dry_run = false;  // featureFlags.dryRun: reconcile DryRun objects
  WorkflowsConfig workflows;
  LoggingConfig logging;
  GitConfig git;
};

// Parses the YAML text of the `config` key. Errors are kInvalid and name the offending key.
kube::Result<KratixConfig> parse_kratix_config(std::string_view yaml);

// Reads the config from ConfigMap kratix-platform-system/kratix (key `config`), as Kratix does once at
// start; the defaults when there is no such ConfigMap.
kube::Result<KratixConfig> read_kratix_config(const kube::Client& client);

}  // namespace pave::workflow
