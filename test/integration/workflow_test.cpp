// Bad input and restarts on the real control plane: what a Promise, a Pipeline or a pipeline's output gets
// wrong is reported on the object's status and in an Event (or fails the pipeline container with a clear
// log line), and nothing else is disturbed; a controller restart at any point of a workflow resumes it
// without running a pipeline twice for the same hash; the Kratix config's workflows.* reach the Jobs
// (kratix-spec.md 2, 3, 3.5-3.7, 2.9). Pipelines run as real Jobs on the pod runner, with the adapter
// steps of this build's pave in localhost/pave:dev, and deliver to a real Git server.
#include <gtest/gtest.h>

#include <cctype>

#include "api/naming.h"
#include "support/workflow_fixture.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

constexpr const char* kSystem = "kratix-platform-system";

using WorkflowTest = WorkflowFixture;

// The API server's refusal (or Kratix's own rule) is the Promise's message; other Promises are unaffected.
TEST_F(WorkflowTest, InvalidApiIsReportedOnThePromise) {
  Json cluster_scoped = promise("wf-bad-scope", "BadScope", Json::array());
  cluster_scoped["spec"]["api"]["spec"]["scope"] = "Cluster";
  Json bad_schema = promise("wf-bad-schema", "BadSchema", Json::array());
  bad_schema["spec"]["api"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["type"] = "notatype";
  apply(cluster_scoped);
  apply(bad_schema);
  apply(promise("wf-good-api", "GoodApi", Json::array()));

  ASSERT_TRUE(eventually([&] { return promise_field("wf-good-api", "{.status.status}") == "Available"; }, kLong, kPoll))
      << debug();
  ASSERT_TRUE(eventually([&] { return !promise_field("wf-bad-scope", "{.status.message}").empty(); }, kLong, kPoll));
  EXPECT_EQ(promise_field("wf-bad-scope", "{.status.message}"), "promise api needs to be namespace scoped");
  EXPECT_EQ(promise_field("wf-bad-scope", "{.status.status} " + condition("Available", "status") + " " +
                                              condition("Available", "reason")),
            "Unavailable False PromiseUnavailable");
  EXPECT_TRUE(has_event("wf-bad-scope", "Warning", "InvalidPromiseAPI promise api needs to be namespace scoped"))
      << events_of("wf-bad-scope");

  ASSERT_TRUE(eventually([&] { return !promise_field("wf-bad-schema", "{.status.message}").empty(); }, kLong, kPoll));
  const std::string message = promise_field("wf-bad-schema", "{.status.message}");
  EXPECT_TRUE(message.starts_with("promise api is not a valid CRD: ")) << message;
  EXPECT_NE(message.find("notatype"), std::string::npos) << message;
  EXPECT_EQ(promise_field("wf-bad-schema", condition("Available", "status")), "False");
  EXPECT_TRUE(has_event("wf-bad-schema", "Warning", "InvalidPromiseAPI " + message)) << events_of("wf-bad-schema");

  EXPECT_FALSE(cluster().kubectl({"get", "crd", "badscopes.wftest.kratix.io"}).ok());
  EXPECT_FALSE(cluster().kubectl({"get", "crd", "badschemas.wftest.kratix.io"}).ok());
  EXPECT_TRUE(cluster().kubectl({"get", "crd", "goodapis.wftest.kratix.io"}).ok());
  EXPECT_EQ(promise_field("wf-good-api", condition("Available", "reason")), "PromiseAvailable");
}

// A Pipeline is decoded strictly: a misspelt field is named on the status of the object whose workflow
// cannot run, and in an Event; requests of other Promises still run.
TEST_F(WorkflowTest, UnknownPipelineFieldIsReported) {
  apply(promise("wf-typo-promise", "TypoPromise", Json::array(),
                Json::array({pipeline("setup", "true", {{"jobOptions", {{"backofLimit", 1}}}})})));
  apply(promise("wf-typo-resource", "TypoResource", Json::array({pipeline("make", "true", {{"containerz", Json::array()}})})));
  apply(promise("wf-fine", "Fine", Json::array({pipeline("make", "echo 'fine: ok' > /kratix/metadata/status.yaml")})));

  const std::string promise_error =
      "failed parsing promise.configure pipeline: failed unmarshalling pipeline setup: json: unknown field \"backofLimit\"";
  ASSERT_TRUE(eventually([&] { return promise_field("wf-typo-promise", "{.status.message}") == promise_error; }, kLong, kPoll))
      << promise_field("wf-typo-promise", "{.status}");
  EXPECT_EQ(promise_field("wf-typo-promise", "{.status.status} " + condition("Available", "status")), "Unavailable False");
  EXPECT_TRUE(has_event("wf-typo-promise", "Warning", "InvalidPipeline " + promise_error)) << events_of("wf-typo-promise");
  EXPECT_EQ(promise_field("wf-typo-promise", condition("Reconciled", "reason")), "InvalidPipeline");
  EXPECT_TRUE(names("jobs", "kratix.io/promise-name=wf-typo-promise", kSystem).empty()) << "no pipeline ran";

  ASSERT_TRUE(eventually([&] { return promise_field("wf-typo-resource", "{.status.status}") == "Available"; }, kLong, kPoll));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-fine", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("TypoResource", "typo-req"));
  apply(request("Fine", "fine-req"));
  const std::string request_error = "failed parsing resource.configure pipeline: failed unmarshalling pipeline make: json: unknown field \"containerz\"";
  ASSERT_TRUE(eventually([&] { return rr("TypoResource", "typo-req", "{.status.message}") == request_error; }, kLong, kPoll))
      << rr("TypoResource", "typo-req", "{.status}");
  EXPECT_EQ(rr("TypoResource", "typo-req", condition("Reconciled", "status") + " " + condition("Reconciled", "reason") + " " +
                                             condition("Reconciled", "message")),
            "False InvalidPipeline Failing");
  EXPECT_TRUE(has_event("typo-req", "Warning", "InvalidPipeline " + request_error)) << events_of("typo-req");
  EXPECT_TRUE(names("jobs", "kratix.io/resource-name=typo-req", ns()).empty()) << "no pipeline ran";

  ASSERT_TRUE(eventually([&] { return reconciled("Fine", "fine-req"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(rr("Fine", "fine-req", "{.status.fine} {.status.message}"), "ok Resource requested");
}

// A pipeline that exits 1 fails the workflow with Kratix's conditions, counters and Event; changing the
// Promise to one whose pipeline succeeds runs the request's workflow again, successfully.
TEST_F(WorkflowTest, FailingPipelineIsReportedUntilThePromiseIsFixed) {
  auto failing = [](bool fail) {
    const std::string script = fail ? "echo 'failing on purpose'; exit 1"
                                    : "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: fixed, namespace: default}\\n'"
                                      " > /kratix/output/cm.yaml";
    return promise("wf-failing", "Failing",
                   Json::array({pipeline("might-fail", script, {{"jobOptions", {{"backoffLimit", 0}}}})}));
  };
  apply(failing(true));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-failing", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Failing", "failing-req"));
  ASSERT_TRUE(eventually([&] { return failed("Failing", "failing-req"); }, kLong, kPoll)) << debug();
  auto field = [&](const std::string& path) { return rr("Failing", "failing-req", path); };
  EXPECT_EQ(field(condition("ConfigureWorkflowCompleted", "status") + "|" + condition("ConfigureWorkflowCompleted", "message")),
            "False|A Configure Pipeline has failed: might-fail");
  EXPECT_EQ(field(condition("Reconciled", "status") + " " + condition("Reconciled", "reason") + " " +
                  condition("Reconciled", "message")),
            "False ConfigureWorkflowFailed Failing");
  EXPECT_EQ(field("{.status.workflows} {.status.workflowsSucceeded} {.status.workflowsFailed}"), "1 0 1");
  EXPECT_EQ(field("{.status.kratix.workflows.pipelines[0].name} {.status.kratix.workflows.pipelines[0].phase}"),
            "might-fail Failed");
  EXPECT_TRUE(has_event("failing-req", "Warning", "ConfigureWorkflowFailed A resource/configure Pipeline has failed: might-fail"))
      << events_of("failing-req");
  const auto jobs = names("jobs", of("failing-req", "might-fail"), ns());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(get("job", jobs[0], condition("Failed", "status")), "True");
  EXPECT_TRUE(names("works", "kratix.io/resource-name=failing-req", ns()).empty());
  EXPECT_EQ(promise_field("wf-failing", "{.status.status}"), "Available") << "the Promise is not the request's failure";

  apply(failing(false));
  ASSERT_TRUE(eventually([&] { return reconciled("Failing", "failing-req"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(field(condition("ConfigureWorkflowCompleted", "status") + " " + condition("ConfigureWorkflowCompleted", "reason")),
            "True PipelinesExecutedSuccessfully");
  EXPECT_EQ(field("{.status.workflows} {.status.workflowsSucceeded} {.status.workflowsFailed}"), "1 1 0");
  EXPECT_EQ(field("{.status.kratix.workflows.pipelines[0].phase} {.status.message}"), "Succeeded Resource requested");
  EXPECT_EQ(names("works", "kratix.io/resource-name=failing-req", ns()).size(), 1u);
}

// status.yaml may not set `kratix`: the status-writer fails saying so, and the status the earlier pipeline
// wrote, and the controller's, stay as they were.
TEST_F(WorkflowTest, StatusYamlSettingKratixFailsTheStatusWriter) {
  apply(promise("wf-status-kratix", "StatusKratix",
                Json::array({pipeline("first", "echo 'stage: one' > /kratix/metadata/status.yaml"),
                             pipeline("second", "printf 'stage: two\\nkratix: {workflows: {}}\\n' > /kratix/metadata/status.yaml",
                                      {{"restartPolicy", "Never"}, {"jobOptions", {{"backoffLimit", 0}}}})})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-status-kratix", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("StatusKratix", "status-req"));
  ASSERT_TRUE(eventually([&] { return failed("StatusKratix", "status-req"); }, kLong, kPoll)) << debug();
  auto field = [&](const std::string& path) { return rr("StatusKratix", "status-req", path); };
  EXPECT_EQ(field(condition("ConfigureWorkflowCompleted", "message")), "A Configure Pipeline has failed: second");
  EXPECT_EQ(field(condition("Reconciled", "status")), "False");
  EXPECT_EQ(field("{.status.stage}"), "one") << "the first pipeline's status stays";
  EXPECT_EQ(field("{.status.kratix.workflows.pipelines[*].name}|{.status.kratix.workflows.pipelines[*].phase}"),
            "first second|Succeeded Failed");
  EXPECT_EQ(field("{.status.message} " + condition("PromiseAvailable", "status")), "Pending True");
  const std::string log = logs(of("status-req", "second"), "status-writer", ns());
  EXPECT_NE(log.find("'kratix' is a kratix managed status field that cannot be updated via workflows"), std::string::npos)
      << log;
}

// destination-selectors.yaml with a nested directory, or an entry without labels, fails the work-writer
// with Kratix's message, and no Work is made.
TEST_F(WorkflowTest, InvalidDestinationSelectorsFailTheWorkWriter) {
  const std::string script = R"(kase=$(yq '.spec.case' /kratix/input/object.yaml)
mkdir -p /kratix/output/a/b
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested, namespace: default}\n' > /kratix/output/a/b/cm.yaml
if [ "$kase" = nested ]; then
  printf -- '- directory: a/b\n  matchLabels: {environment: dev}\n' > /kratix/metadata/destination-selectors.yaml
else
  printf -- '- directory: a\n  matchLabels: {}\n' > /kratix/metadata/destination-selectors.yaml
fi
)";
  apply(promise("wf-selectors", "Selectors", Json::array({pipeline("place", script,
                {{"restartPolicy", "Never"}, {"jobOptions", {{"backoffLimit", 0}}}})})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-selectors", "{.status.status}") == "Available"; }, kLong, kPoll));
  apply(request("Selectors", "nested-req", {{"case", "nested"}}));
  apply(request("Selectors", "empty-req", {{"case", "empty"}}));
  const std::pair<const char*, const char*> cases[] = {
      {"nested-req", "invalid directory in destination-selectors.yaml: a/b, sub-directories are not allowed"},
      {"empty-req", "invalid destination-selectors.yaml: entry with index 0 has no selectors"}};
  for (const auto& [name, why] : cases) {
    ASSERT_TRUE(eventually([&] { return failed("Selectors", name); }, kLong, kPoll)) << name << "\n" << debug();
    const std::string log = logs(of(name, "place"), "work-writer", ns());
    EXPECT_NE(log.find(why), std::string::npos) << name << ": " << log;
    EXPECT_TRUE(names("works", std::string("kratix.io/resource-name=") + name, ns()).empty()) << name;
  }
}

// An output tree holding a symbolic link (to a file of the tree, or out of it to /etc/passwd), or a
// selector directory that climbs out of the tree, fails the work-writer; no Work is made.
TEST_F(WorkflowTest, UnsafeOutputTreeFailsTheWorkWriter) {
  const std::string script = R"(kase=$(yq '.spec.case' /kratix/input/object.yaml)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unsafe, namespace: default}\n' > /kratix/output/cm.yaml
case "$kase" in
  link) ln -s cm.yaml /kratix/output/link.yaml ;;
  passwd) mkdir /kratix/output/etc && ln -s /etc/passwd /kratix/output/etc/passwd ;;
  climb) printf -- '- directory: ..\n  matchLabels: {environment: dev}\n' > /kratix/metadata/destination-selectors.yaml ;;
esac
)";
  apply(promise("wf-unsafe", "Unsafe", Json::array({pipeline("write", script,
                {{"restartPolicy", "Never"}, {"jobOptions", {{"backoffLimit", 0}}}})})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-unsafe", "{.status.status}") == "Available"; }, kLong, kPoll));
  const std::pair<const char*, const char*> cases[] = {
      {"link", "pipeline output link.yaml is a symbolic link; only regular files and directories are turned into workloads"},
      {"passwd", "pipeline output etc/passwd is a symbolic link"},
      {"climb", "invalid directory in destination-selectors.yaml: .., directories must be inside the pipeline's output directory"}};
  for (const auto& [kase, why] : cases) apply(request("Unsafe", std::string(kase) + "-req", {{"case", kase}}));
  for (const auto& [kase, why] : cases) {
    const std::string name = std::string(kase) + "-req";
    ASSERT_TRUE(eventually([&] { return failed("Unsafe", name); }, kLong, kPoll)) << name << "\n" << debug();
    const std::string log = logs(of(name, "write"), "work-writer", ns());
    EXPECT_NE(log.find(why), std::string::npos) << name << ": " << log;
    EXPECT_TRUE(names("works", "kratix.io/resource-name=" + name, ns()).empty()) << name;
  }
}

// Names past the limits: the Job and Work names are cut and given a five-character suffix, every label
// stays valid, and the workflow delivers as usual.
TEST_F(WorkflowTest, LongNamesAreTruncatedWithASuffix) {
  const std::string promise_name = "wf-long-" + std::string(28, 'p');  // 36: "<promise>-resource-configure-make" is 60
  const std::string request_name = "req-" + std::string(55, 'r') + "-end";  // 63, the longest a request may have
  ASSERT_EQ(api::pipeline_id(promise_name, "resource", "configure", "make").size(), 60u);
  ASSERT_EQ(request_name.size(), 63u);
  apply(promise(promise_name, "LongThing",
                Json::array({pipeline("make", "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: long, namespace: default}\\n'"
                                              " > /kratix/output/cm.yaml")}),
                Json::array({pipeline("make", "echo 'kind: Namespace' > /kratix/output/ns.yaml")})));
  ASSERT_TRUE(eventually([&] { return promise_field(promise_name, "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  apply(request("LongThing", request_name));
  ASSERT_TRUE(eventually([&] { return reconciled("LongThing", request_name); }, kLong, kPoll)) << debug();

  // "<prefix cut to 56>-xxxxx", as Kratix's object-name helper makes them.
  auto expect_cut = [](const std::string& name, const std::string& full) {
    std::string base = full.substr(0, 56);
    while (!base.empty() && !std::isalnum(static_cast<unsigned char>(base.back()))) base.pop_back();
    EXPECT_LE(name.size(), 63u) << name;
    EXPECT_EQ(name.size(), base.size() + 6) << name;
    EXPECT_TRUE(name.starts_with(base + "-")) << name << " from " << full;
  };
  const auto jobs = names("jobs", of(request_name, "make"), ns());
  ASSERT_EQ(jobs.size(), 1u);
  expect_cut(jobs[0], "kratix-" + promise_name + "-" + request_name + "-make");
  EXPECT_EQ(get("job", jobs[0], "{.metadata.labels.kratix\\.io/resource-name} {.metadata.labels.kratix\\.io/promise-name}"),
            request_name + " " + promise_name);
  const auto works = names("works", "kratix.io/resource-name=" + request_name, ns());
  ASSERT_EQ(works.size(), 1u);
  expect_cut(works[0], promise_name + "-" + request_name + "-make");
  EXPECT_EQ(get("work", works[0], "{.metadata.labels.kratix\\.io/resource-name} {.metadata.labels.kratix\\.io/pipeline-name}"),
            request_name + " make");
  EXPECT_EQ(get("work", works[0], condition("Ready", "status")), "True");
  EXPECT_EQ(names("workplacements", "kratix.io/work=" + works[0], ns()).size(), 1u);
  EXPECT_NE(file("worker-1/resources/" + ns() + "/" + promise_name + "/" + request_name + "/make/5058f/cm.yaml"), "");
  EXPECT_EQ(names("jobs", "kratix.io/promise-name=" + promise_name + ",kratix.io/workflow-type=promise", kSystem).size(), 1u);
}

// Stopping the controllers while a pipeline's Job runs (and letting it finish meanwhile, or not) and
// starting new ones resumes the workflow where it is: exactly one Job per pipeline for the hash.
TEST_F(WorkflowTest, RestartResumesWithoutRerunningPipelines) {
  apply(promise("wf-restart", "Restart",
                Json::array({pipeline("slow-0", "sleep 5\necho 'zero: done' > /kratix/metadata/status.yaml\n"
                                                "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: r0, namespace: default}\\n'"
                                                " > /kratix/output/cm.yaml"),
                             pipeline("slow-1", "sleep 5\necho 'one: done' > /kratix/metadata/status.yaml")}),
                Json::array({pipeline("setup", "sleep 5")})));
  auto job_of = [&](const std::string& selector, const std::string& in) {
    std::vector<std::string> found;
    EXPECT_TRUE(eventually([&] { return !(found = names("jobs", selector, in)).empty(); }, kLong, 500ms)) << selector;
    return found.empty() ? std::string() : found.front();
  };
  // The promise workflow: restarted while its only Job runs, which finishes while no controller runs.
  const std::string setup = job_of("kratix.io/promise-name=wf-restart,kratix.io/pipeline-name=setup", kSystem);
  stop_controllers();
  ASSERT_TRUE(eventually([&] { return job_complete(setup, kSystem); }, kLong, kPoll)) << debug();
  start_controllers();
  ASSERT_TRUE(eventually([&] { return promise_field("wf-restart", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();

  // The request's: restarted while pipeline 0 runs (it finishes meanwhile), then while pipeline 1 runs.
  apply(request("Restart", "restart-req"));
  const std::string first = job_of(of("restart-req", "slow-0"), ns());
  stop_controllers();
  ASSERT_TRUE(eventually([&] { return job_complete(first, ns()); }, kLong, kPoll)) << debug();
  start_controllers();
  const std::string second = job_of(of("restart-req", "slow-1"), ns());
  EXPECT_FALSE(job_complete(second, ns()));
  stop_controllers();
  start_controllers();
  ASSERT_TRUE(eventually([&] { return reconciled("Restart", "restart-req"); }, kLong, kPoll)) << debug();

  EXPECT_EQ(rr("Restart", "restart-req", "{.status.zero} {.status.one} {.status.workflowsSucceeded}"), "done done 2");
  EXPECT_EQ(names("jobs", "kratix.io/promise-name=wf-restart,kratix.io/pipeline-name=setup", kSystem),
            std::vector<std::string>{setup});
  for (const auto& [pipeline, job] : {std::pair{"slow-0", first}, std::pair{"slow-1", second}}) {
    EXPECT_EQ(names("jobs", "kratix.io/promise-name=wf-restart,kratix.io/pipeline-name=" + std::string(pipeline), ns()),
              std::vector<std::string>{job}) << pipeline;
    EXPECT_EQ(names("works", of("restart-req", pipeline), ns()).size(), 1u) << pipeline;
  }
  EXPECT_EQ(get("job", first, "{.metadata.labels.kratix\\.io/hash}"), get("job", second, "{.metadata.labels.kratix\\.io/hash}"));
}

// The Kratix config read at start: workflows.jobOptions.defaultBackoffLimit, defaultContainerSecurityContext
// and defaultImagePullPolicy fill what a pipeline leaves unset; a pipeline's own settings win (spec 7.2,
// kratix_config_test).
TEST_F(WorkflowTest, KratixConfigDefaultsReachThePipelines) {
  stop_controllers();
  ASSERT_TRUE(cluster().kubectl({"create", "configmap", "kratix", "-n", kSystem, "--from-literal=config="
      "workflows:\n"
      "  defaultImagePullPolicy: Never\n"
      "  jobOptions: {defaultBackoffLimit: 4}\n"
      "  defaultContainerSecurityContext: {runAsUser: 1000}\n"}).ok());
  start_controllers();

  Json own = pipeline("own", "printf 'ownUid: \"%s\"\\n' \"$(id -u)\" > /kratix/metadata/status.yaml",
                      {{"jobOptions", {{"backoffLimit", 2}}}});
  own["spec"]["containers"][0]["securityContext"] = {{"runAsUser", 65532}};
  apply(promise("wf-config", "Configured",
                Json::array({pipeline("defaults", "printf 'defaultsUid: \"%s\"\\n' \"$(id -u)\" > /kratix/metadata/status.yaml"),
                             own})));
  ASSERT_TRUE(eventually([&] { return promise_field("wf-config", "{.status.status}") == "Available"; }, kLong, kPoll)) << debug();
  apply(request("Configured", "config-req"));
  ASSERT_TRUE(eventually([&] { return reconciled("Configured", "config-req"); }, kLong, kPoll)) << debug();
  EXPECT_EQ(rr("Configured", "config-req", "{.status.defaultsUid} {.status.ownUid}"), "1000 65532");

  const auto defaults = names("jobs", of("config-req", "defaults"), ns());
  const auto owns = names("jobs", of("config-req", "own"), ns());
  ASSERT_EQ(defaults.size(), 1u);
  ASSERT_EQ(owns.size(), 1u);
  const std::string main = "{.spec.template.spec.initContainers[?(@.name==\"main\")]";
  EXPECT_EQ(get("job", defaults[0], "{.spec.backoffLimit} " + main + ".securityContext.runAsUser} " + main + ".imagePullPolicy}"),
            "4 1000 Never");
  EXPECT_EQ(get("job", owns[0], "{.spec.backoffLimit} " + main + ".securityContext.runAsUser} " + main + ".imagePullPolicy}"),
            "2 65532 Never");
  EXPECT_EQ(get("job", defaults[0], "{.spec.template.spec.initContainers[?(@.name==\"reader\")].imagePullPolicy}"), "Never")
      << "Kratix's own containers take the pull policy too";
}

}  // namespace
}  // namespace pave::testing
