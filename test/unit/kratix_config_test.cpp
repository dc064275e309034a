// The Kratix config (kratix-spec.md 2.9): every key, its default, and errors that name the key; and Go's
// duration syntax, which the config and Promises are written in.
#include "workflow/kratix_config.h"

#include <gtest/gtest.h>

#include "api/go_duration.h"

namespace pave::workflow {
namespace {

using kube::Json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

KratixConfig parsed(const char* yaml) {
  auto config = parse_kratix_config(yaml);
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
  return config.value_or(KratixConfig{});
}

std::string error_of(const char* yaml) {
  auto config = parse_kratix_config(yaml);
  EXPECT_FALSE(config.has_value()) << yaml;
  if (config) return "(parsed)";
  EXPECT_EQ(config.error().kind, kube::ErrorKind::kInvalid);
  return config.error().message;
}

void expect_defaults(const KratixConfig& c) {
  EXPECT_EQ(c.number_of_jobs_to_keep, 5);
  EXPECT_FALSE(c.selective_cache);
  EXPECT_EQ(c.reconciliation_interval, hours(10));
  EXPECT_EQ(c.state_store_reconciliation_interval, hours(10));
  EXPECT_EQ(c.controller_leader_election.lease_duration, seconds(15));
  EXPECT_EQ(c.controller_leader_election.renew_deadline, seconds(10));
  EXPECT_EQ(c.controller_leader_election.retry_period, seconds(2));
  EXPECT_EQ(c.resource_binding_version_strategy, BindingVersionStrategy::kFloating);
  EXPECT_FALSE(c.dry_run);
  EXPECT_TRUE(c.workflows.reconcile_after_failure);
  EXPECT_FALSE(c.workflows.job_options.default_backoff_limit);
  EXPECT_FALSE(c.workflows.job_options.pod_ttl_after_finished);
  EXPECT_EQ(c.workflows.default_image_pull_policy, "");
  EXPECT_FALSE(c.workflows.default_container_security_context);
  EXPECT_FALSE(c.workflows.default_container_resources);
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_TRUE(c.logging.structured) << "Kratix's code default, not its docs'";
  EXPECT_EQ(c.git.minimum_fetch_interval, seconds(5));
}

TEST(KratixConfig, EmptyConfigIsAllDefaults) {
  expect_defaults(KratixConfig{});
  expect_defaults(parsed(""));
  expect_defaults(parsed("{}"));
  expect_defaults(parsed("workflows: {}\nlogging: {}\n"));
}

TEST(KratixConfig, ReadsEveryKey) {
  KratixConfig c = parsed(R"(
numberOfJobsToKeep: 2
selectiveCache: true
reconciliationInterval: 1h30m
stateStoreReconciliationInterval: 5m
controllerLeaderElection:
  leaseDuration: 30s
  renewDeadline: 20s
  retryPeriod: 5s
resourceBindingVersionStrategy: pinned
featureFlags:
  dryRun: true
  promiseUpgrade: true
workflows:
  reconcileAfterFailure: false
  jobOptions:
    defaultBackoffLimit: 4
    podTTLSecondsAfterFinished: 60s
  defaultImagePullPolicy: IfNotPresent
  defaultContainerSecurityContext:
    runAsNonRoot: true
  defaultContainerResources:
    requests: {cpu: 10m}
logging:
  level: debug
  structured: false
git:
  minimumFetchInterval: 0s
telemetry:
  endpoint: otel:4317
)");
  EXPECT_EQ(c.number_of_jobs_to_keep, 2);
  EXPECT_TRUE(c.selective_cache);
  EXPECT_EQ(c.reconciliation_interval, minutes(90));
  EXPECT_EQ(c.state_store_reconciliation_interval, minutes(5));
  EXPECT_EQ(c.controller_leader_election.lease_duration, seconds(30));
  EXPECT_EQ(c.controller_leader_election.renew_deadline, seconds(20));
  EXPECT_EQ(c.controller_leader_election.retry_period, seconds(5));
  EXPECT_EQ(c.resource_binding_version_strategy, BindingVersionStrategy::kPinned);
  EXPECT_TRUE(c.dry_run);
  EXPECT_FALSE(c.workflows.reconcile_after_failure);
  EXPECT_EQ(c.workflows.job_options.default_backoff_limit, 4);
  EXPECT_EQ(c.workflows.job_options.pod_ttl_after_finished, seconds(60));
  EXPECT_EQ(c.workflows.default_image_pull_policy, "IfNotPresent");
  EXPECT_EQ(c.workflows.default_container_security_context, (Json{{"runAsNonRoot", true}}));
  EXPECT_EQ(c.workflows.default_container_resources, (Json{{"requests", {{"cpu", "10m"}}}}));
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_FALSE(c.logging.structured);
  EXPECT_EQ(c.git.minimum_fetch_interval, milliseconds(0));
}

TEST(KratixConfig, JobsToKeepBelowOneMeansFive) {
  EXPECT_EQ(parsed("numberOfJobsToKeep: 0").number_of_jobs_to_keep, 5);
  EXPECT_EQ(parsed("numberOfJobsToKeep: -3").number_of_jobs_to_keep, 5);
  EXPECT_EQ(parsed("numberOfJobsToKeep: 1").number_of_jobs_to_keep, 1);
}

TEST(KratixConfig, PodTtlOfZeroOrLessIsOff) {
  EXPECT_FALSE(parsed("workflows: {jobOptions: {podTTLSecondsAfterFinished: 0s}}").workflows.job_options.pod_ttl_after_finished);
  EXPECT_FALSE(parsed("workflows: {jobOptions: {podTTLSecondsAfterFinished: -1s}}").workflows.job_options.pod_ttl_after_finished);
  EXPECT_EQ(parsed("workflows: {jobOptions: {podTTLSecondsAfterFinished: 2m}}").workflows.job_options.pod_ttl_after_finished,
            minutes(2));
}

TEST(KratixConfig, ZeroDisablesTheStateStoreRewrite) {
  EXPECT_EQ(parsed("stateStoreReconciliationInterval: 0s").state_store_reconciliation_interval, milliseconds(0));
  EXPECT_EQ(parsed("stateStoreReconciliationInterval: 0").state_store_reconciliation_interval, milliseconds(0));
}

TEST(KratixConfig, LoggingLevelsAreKratixs) {
  for (const char* level : {"trace", "debug", "info", "warn", "warning", "error"}) {
    EXPECT_EQ(parsed((std::string("logging: {level: ") + level + "}").c_str()).logging.level, level);
  }
}

TEST(KratixConfig, MalformedValuesNameTheirKey) {
  EXPECT_EQ(error_of("reconciliationInterval: 10 hours"),
            "invalid value for \"reconciliationInterval\": time: unknown unit \" hours\" in duration \"10 hours\"");
  EXPECT_EQ(error_of("reconciliationInterval: 36000"),
            "invalid value for \"reconciliationInterval\": expected a duration such as \"10h\", got 36000");
  EXPECT_EQ(error_of("numberOfJobsToKeep: five"),
            "invalid value for \"numberOfJobsToKeep\": expected an integer, got \"five\"");
  EXPECT_EQ(error_of("selectiveCache: \"yes\""), "invalid value for \"selectiveCache\": expected true or false, got \"yes\"");
  EXPECT_EQ(error_of("controllerLeaderElection: {leaseDuration: 15}"),
            "invalid value for \"controllerLeaderElection.leaseDuration\": expected a duration such as \"10h\", got 15");
  EXPECT_EQ(error_of("resourceBindingVersionStrategy: latest"),
            "invalid value for \"resourceBindingVersionStrategy\": expected \"floating\" or \"pinned\", got \"latest\"");
  EXPECT_EQ(error_of("featureFlags: {dryRun: 1}"), "invalid value for \"featureFlags.dryRun\": expected true or false, got 1");
  EXPECT_EQ(error_of("workflows: {jobOptions: {defaultBackoffLimit: two}}"),
            "invalid value for \"workflows.jobOptions.defaultBackoffLimit\": expected a non-negative integer, got \"two\"");
  EXPECT_EQ(error_of("workflows: {defaultContainerSecurityContext: privileged}"),
            "invalid value for \"workflows.defaultContainerSecurityContext\": expected a map, got \"privileged\"");
  EXPECT_EQ(error_of("workflows: []"), "invalid value for \"workflows\": expected a map, got []");
  EXPECT_EQ(error_of("logging: {level: loud}"),
            "invalid value for \"logging.level\": expected one of trace, debug, info, warn, warning, error, got \"loud\"");
  EXPECT_EQ(error_of("git: {minimumFetchInterval: soon}"),
            "invalid value for \"git.minimumFetchInterval\": time: invalid duration \"soon\"");
  EXPECT_EQ(error_of("- a\n- b\n"), "invalid value for \"config\": expected a map, got [\"a\",\"b\"]");
  EXPECT_TRUE(error_of("a: [").starts_with("Kratix config is not YAML: "));
}

TEST(KratixConfig, UnknownKeysAreIgnored) {
  expect_defaults(parsed("somethingNew: 1\nworkflows: {later: true}\nfeatureFlags: {promiseUpgrade: true}\n"));
}

// ---- Go durations ----

TEST(GoDuration, ParsesGoSyntax) {
  struct Case {
    const char* text;
    milliseconds want;
  };
  for (auto [text, want] : {Case{"10h", hours(10)},
                            Case{"1m30s", seconds(90)},
                            Case{"500ms", milliseconds(500)},
                            Case{"1.5h", minutes(90)},
                            Case{".5s", milliseconds(500)},
                            Case{"1.s", seconds(1)},
                            Case{"1h2m3s4ms", milliseconds(3'723'004)},
                            Case{"-2s", seconds(-2)},
                            Case{"+3s", seconds(3)},
                            Case{"0", milliseconds(0)},
                            Case{"-0", milliseconds(0)},
                            Case{"0s", milliseconds(0)},
                            Case{"1500us", milliseconds(1)},
                            Case{"2000\xc2\xb5s", milliseconds(2)},
                            Case{"3000\xce\xbcs", milliseconds(3)},
                            Case{"999999ns", milliseconds(0)},
                            Case{"1.0000000001s", seconds(1)},
                            Case{"2562047h", hours(2'562'047)}}) {
    auto got = api::parse_go_duration(text);
    ASSERT_TRUE(got) << text << ": " << got.error().message;
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*got), want) << text;
  }
}

TEST(GoDuration, RejectsWhatGoRejectsWithGosMessages) {
  auto error = [](const char* text) {
    auto got = api::parse_go_duration(text);
    EXPECT_FALSE(got) << text;
    return got ? std::string("(parsed)") : got.error().message;
  };
  EXPECT_EQ(error(""), "time: invalid duration \"\"");
  EXPECT_EQ(error("-"), "time: invalid duration \"-\"");
  EXPECT_EQ(error("h"), "time: invalid duration \"h\"");
  EXPECT_EQ(error("."), "time: invalid duration \".\"");
  EXPECT_EQ(error(".s"), "time: invalid duration \".s\"");
  EXPECT_EQ(error("90"), "time: missing unit in duration \"90\"");
  EXPECT_EQ(error("1.5.5s"), "time: missing unit in duration \"1.5.5s\"");
  EXPECT_EQ(error("1d"), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(error("5 s"), "time: unknown unit \" s\" in duration \"5 s\"");
  EXPECT_EQ(error("2562048h"), "time: invalid duration \"2562048h\"") << "past int64 nanoseconds";
  EXPECT_EQ(error("99999999999999999999s"), "time: invalid duration \"99999999999999999999s\"");
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(api::format_go_duration(hours(10)), "10h0m0s");
  EXPECT_EQ(api::format_go_duration(seconds(90)), "1m30s");
  EXPECT_EQ(api::format_go_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(api::format_go_duration(milliseconds(3'723'004)), "1h2m3.004s");
  EXPECT_EQ(api::format_go_duration(milliseconds(500)), "500ms");
  EXPECT_EQ(api::format_go_duration(milliseconds(0)), "0s");
  EXPECT_EQ(api::format_go_duration(seconds(-2)), "-2s");
}

}  // namespace
}  // namespace pave::workflow
