#include "workflow/kratix_config.h"

#include <algorithm>
#include <array>
#include <limits>

#include "kube/object.h"
#include "kube/yaml.h"
#include "workflow/labels.h"
#include "workflow/fields.h"
#include "api/go_duration.h"

namespace pave::workflow {
namespace {

using kube::Json;
using kube::Status;
using std::chrono::milliseconds;

constexpr int kDefaultJobsToKeep = 5;

// metav1.Duration only decodes strings, but a bare 0 has one obvious meaning ("disabled" for the intervals
// that allow it), so Pave takes it too.
Status read_duration(const Json& object, std::string_view key, std::string_view prefix, milliseconds& out) {
  const Json* v = fields::member(object, key);
  if (!v) return {};
  if (v->is_number_integer() && v->get<int64_t>() == 0) {
    out = milliseconds(0);
    return {};
  }
  if (!v->is_string()) {
    return std::unexpected(fields::invalid_value(fields::path(prefix, key), "a duration such as \"10h\"", *v));
  }
  auto d = api::parse_go_duration(v->get<std::string>());
  if (!d) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "invalid value for \"" + fields::path(prefix, key) +
                                                                           "\": " + d.error().message));
  }
  out = std::chrono::duration_cast<milliseconds>(*d);
  return {};
}

Status read_leader_election(const Json& root, LeaderElectionConfig& out) {
  auto section = fields::read_section(root, "controllerLeaderElection", "");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  const Json& le = **section;
  const char* p = "controllerLeaderElection";
  if (auto s = read_duration(le, "leaseDuration", p, out.lease_duration); !s) return s;
  if (auto s = read_duration(le, "renewDeadline", p, out.renew_deadline); !s) return s;
  return read_duration(le, "retryPeriod", p, out.retry_period);
}

Status read_binding_strategy(const Json& root, BindingVersionStrategy& out) {
  std::string text;
  if (auto s = fields::read_string(root, "resourceBindingVersionStrategy", "", text); !s) return s;
  if (text.empty() || text == "floating") {
    out = BindingVersionStrategy::kFloating;
  } else if (text == "pinned") {
    out = BindingVersionStrategy::kPinned;
  } else {
    return std::unexpected(fields::invalid_value("resourceBindingVersionStrategy", "\"floating\" or \"pinned\"", text));
  }
  return {};
}

Status read_feature_flags(const Json& root, KratixConfig& out) {
  auto section = fields::read_section(root, "featureFlags", "");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  return fields::read_bool(**section, "dryRun", "featureFlags", out.dry_run);
}

Status read_job_options(const Json& workflows, JobOptions& out) {
  auto section = fields::read_section(workflows, "jobOptions", "workflows");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  const Json& jo = **section;
  const char* p = "workflows.jobOptions";
  if (fields::member(jo, "defaultBackoffLimit")) {
    int64_t limit = 0;
    if (auto s = fields::read_int(jo, "defaultBackoffLimit", p, 0, std::numeric_limits<int32_t>::max(), limit); !s) {
      return s;
    }
    out.default_backoff_limit = static_cast<int32_t>(limit);
  }
  if (fields::member(jo, "podTTLSecondsAfterFinished")) {
    milliseconds ttl{0};
    if (auto s = read_duration(jo, "podTTLSecondsAfterFinished", p, ttl); !s) return s;
    if (ttl > milliseconds(0)) out.pod_ttl_after_finished = ttl;
  }
  return {};
}

// A Kubernetes object kept as JSON; only its being a map is checked, the API server judges the rest.
Status read_object(const Json& object, std::string_view key, std::string_view prefix, std::optional<Json>& out) {
  auto section = fields::read_section(object, key, prefix);
  if (!section) return std::unexpected(section.error());
  if (*section) out = **section;
  return {};
}

Status read_workflows(const Json& root, WorkflowsConfig& out) {
  auto section = fields::read_section(root, "workflows", "");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  const Json& wf = **section;
  const char* p = "workflows";
  if (auto s = fields::read_bool(wf, "reconcileAfterFailure", p, out.reconcile_after_failure); !s) return s;
  if (auto s = read_job_options(wf, out.job_options); !s) return s;
  if (auto s = fields::read_string(wf, "defaultImagePullPolicy", p, out.default_image_pull_policy); !s) return s;
  if (auto s = read_object(wf, "defaultContainerSecurityContext", p, out.default_container_security_context); !s) {
    return s;
  }
  return read_object(wf, "defaultContainerResources", p, out.default_container_resources);
}

Status read_logging(const Json& root, LoggingConfig& out) {
  auto section = fields::read_section(root, "logging", "");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  std::string level;
  if (auto s = fields::read_string(**section, "level", "logging", level); !s) return s;
  static constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info", "warn", "warning", "error"};
  if (!level.empty()) {
    if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
      return std::unexpected(
          fields::invalid_value("logging.level", "one of trace, debug, info, warn, warning, error", level));
    }
    out.level = level;
  }
  return fields::read_bool(**section, "structured", "logging", out.structured);
}

Status read_git(const Json& root, GitConfig& out) {
  auto section = fields::read_section(root, "git", "");
  if (!section) return std::unexpected(section.error());
  if (!*section) return {};
  return read_duration(**section, "minimumFetchInterval", "git", out.minimum_fetch_interval);
}

Status read_top_level(const Json& root, KratixConfig& out) {
  int64_t jobs = kDefaultJobsToKeep;
  if (auto s = fields::read_int(root, "numberOfJobsToKeep", "", std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max(), jobs);
      !s) {
    return s;
  }
  out.number_of_jobs_to_keep = jobs < 1 ? kDefaultJobsToKeep : static_cast<int>(jobs);  // Kratix's rule, not an error
  if (auto s = fields::read_bool(root, "selectiveCache", "", out.selective_cache); !s) return s;
  if (auto s = read_duration(root, "reconciliationInterval", "", out.reconciliation_interval); !s) return s;
  return read_duration(root, "stateStoreReconciliationInterval", "", out.state_store_reconciliation_interval);
}

}  // namespace

kube::Result<KratixConfig> parse_kratix_config(std::string_view yaml) {
  auto doc = kube::parse_yaml(yaml);
  if (!doc) {
    return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "Kratix config is not YAML: " + doc.error().message));
  }
  KratixConfig config;
  if (doc->is_null()) return config;
  if (!doc->is_object()) {
    return std::unexpected(fields::invalid_value("config", "a map", *doc));
  }
  const Json& root = *doc;
  if (auto s = read_top_level(root, config); !s) return std::unexpected(s.error());
  if (auto s = read_leader_election(root, config.controller_leader_election); !s) return std::unexpected(s.error());
  if (auto s = read_binding_strategy(root, config.resource_binding_version_strategy); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = read_feature_flags(root, config); !s) return std::unexpected(s.error());
  if (auto s = read_workflows(root, config.workflows); !s) return std::unexpected(s.error());
  if (auto s = read_logging(root, config.logging); !s) return std::unexpected(s.error());
  if (auto s = read_git(root, config.git); !s) return std::unexpected(s.error());
  return config;
}

kube::Result<KratixConfig> read_kratix_config(const kube::Client& client) {
  auto cm = client.get(kube::resources::configmaps(), kSystemNamespace, "kratix");
  if (!cm && cm.error().kind == kube::ErrorKind::kNotFound) return KratixConfig{};
  if (!cm) return std::unexpected(cm.error());
  const kube::Json& text = kube::child(kube::child(*cm, "data"), "config");
  return parse_kratix_config(text.is_string() ? text.get<std::string>() : "");
}

}  // namespace pave::workflow
