// The platform.kratix.io CRDs of deploy/crds on a real API server: every kind of kratix-spec.md section 1
// but DryRun is established with its scope, names, category and printer columns; the `kratix` category
// and the short names resolve; `kubectl explain` describes Promise workflows; a Destination gets Kratix's
// defaults and keeps its filepath.mode; and the status Pave's controllers write is kept whole.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "support/cluster_environment.h"

namespace pave::testing {
namespace {

using namespace std::chrono_literals;

struct Kind {
  std::string plural;
  std::string scope;
  std::string categories;   // as jsonpath prints the list, empty for none
  std::string short_names;  // likewise
  bool status_subresource;
  std::string columns;      // additionalPrinterColumns as "name=type=jsonPath;" each
};

const std::string kReadyStatus = R"(.status.conditions[?(@.type=="Ready")].status)";
const std::string kReadyMessage = R"(.status.conditions[?(@.type=="Ready")].message)";

const std::vector<Kind> kKinds = {
    {"promises", "Cluster", R"(["kratix"])", "", true,
     "Status=string=.status.status;Kind=string=.status.kind;API Version=string=.status.apiVersion;"
     "Version=string=.status.version;Message=string=.status.message;"},
    {"promisereleases", "Cluster", R"(["kratix"])", "", true, "Status=string=.status.status;Version=string=.spec.version;"},
    {"promiserevisions", "Cluster", R"(["kratix"])", "", true,
     "Promise=string=.spec.promiseRef.name;Version=string=.spec.version;Latest=boolean=.status.latest;"},
    {"resourcebindings", "Namespaced", R"(["kratix"])", "", true,
     "Resource=string=.spec.resourceRef.name;Promise=string=.spec.promiseRef.name;Desired=string=.spec.version;"
     "Applied=string=.status.lastAppliedVersion;"},
    {"destinations", "Cluster", R"(["kratix"])", R"(["dest","dests"])", true,
     "StateStoreKind=string=.spec.stateStoreRef.kind;StateStoreName=string=.spec.stateStoreRef.name;Ready=string=" +
         kReadyStatus + ";"},
    {"gitstatestores", "Cluster", R"(["kratix"])", "", true,
     "URL=string=.spec.url;Branch=string=.spec.branch;Ready=string=" + kReadyStatus + ";"},
    {"bucketstatestores", "Cluster", R"(["kratix"])", "", true,
     "Name=string=.spec.bucketName;Endpoint=string=.spec.endpoint;Ready=string=" + kReadyStatus + ";"},
    {"works", "Namespaced", R"(["kratix"])", "", true, "STATUS=string=" + kReadyMessage + ";"},
    {"workplacements", "Namespaced", R"(["kratix"])", R"(["wp","wps"])", true,
     "DESTINATION=string=.spec.targetDestinationName;STATUS=string=" + kReadyMessage + ";"},
    {"healthrecords", "Namespaced", "", "", false, "Status=string=.data.state;Age=date=.metadata.creationTimestamp;"},
};

// A condition as Pave's controllers write it (api/conditions.cpp): every field set.
std::string condition(const std::string& type, const std::string& status, const std::string& reason, const std::string& message) {
  return R"({"type":")" + type + R"(","status":")" + status + R"(","reason":")" + reason + R"(","message":")" + message +
         R"(","observedGeneration":1,"lastTransitionTime":"2026-01-01T00:00:00Z"})";
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Line n (from 0) of text, without its newline; empty past the end.
std::string line_of(const std::string& text, size_t n) {
  std::istringstream in(text);
  std::string line;
  for (size_t i = 0; i <= n; ++i) {
    if (!std::getline(in, line)) return "";
  }
  return line;
}

class KratixCrds : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    auto applied = cluster().kubectl({"apply", "-f", PAVE_CRD_DIR});
    ASSERT_TRUE(applied.ok()) << applied.err;
    std::vector<std::string> wait{"wait", "--for=condition=Established", "--timeout=60s"};
    for (const auto& k : kKinds) wait.push_back("crd/" + k.plural + ".platform.kratix.io");
    auto established = cluster().kubectl(wait);
    ASSERT_TRUE(established.ok()) << established.err;
    // Established comes a moment before discovery serves the new resources: wait until kubectl resolves them.
    ASSERT_TRUE(eventually([&] { return kubectl({"get", "kratix"}).ok() && kubectl({"get", "healthrecords"}).ok(); }, 30s))
        << kubectl({"get", "kratix"}).err;
  }

  std::string crd(const std::string& plural, const std::string& jsonpath) const {
    return cluster().kubectl({"get", "crd", plural + ".platform.kratix.io", "-o", "jsonpath=" + jsonpath}).out;
  }

  // A Destination named name on a GitStateStore that need not exist (no controller runs here).
  static std::string destination(const std::string& name, const std::string& extra_spec = "") {
    return "apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: " + name +
           "}\nspec:\n  path: " + name + "\n  stateStoreRef: {kind: GitStateStore, name: none}\n" + extra_spec;
  }
};

TEST_F(KratixCrds, EveryKindIsEstablishedWithItsScopeNamesAndColumns) {
  for (const auto& k : kKinds) {
    SCOPED_TRACE(k.plural);
    EXPECT_EQ(crd(k.plural, R"({.status.conditions[?(@.type=="Established")].status})"), "True");
    EXPECT_EQ(crd(k.plural, "{.spec.group}"), "platform.kratix.io");
    EXPECT_EQ(crd(k.plural, "{.spec.scope}"), k.scope);
    EXPECT_EQ(crd(k.plural, "{.spec.names.plural}"), k.plural);
    EXPECT_EQ(crd(k.plural, "{.spec.names.categories}"), k.categories);
    EXPECT_EQ(crd(k.plural, "{.spec.names.shortNames}"), k.short_names);
    EXPECT_EQ(crd(k.plural, "{.spec.versions[*].name} {.spec.versions[0].served} {.spec.versions[0].storage}"),
              "v1alpha1 true true");
    EXPECT_EQ(crd(k.plural, "{.spec.versions[0].subresources.status}"), k.status_subresource ? "{}" : "");
    EXPECT_EQ(crd(k.plural, "{range .spec.versions[0].additionalPrinterColumns[*]}{.name}={.type}={.jsonPath};{end}"),
              k.columns);
  }
}

TEST_F(KratixCrds, TheKratixCategoryListsPromisesAndDestinations) {
  // Cluster-scoped objects carry the test namespace in their names, so concurrent runs never collide.
  const std::string dest = "crds-" + ns(), promise = "crds-" + ns();
  ASSERT_TRUE(kubectl({"get", "kratix"}).ok());
  auto created = cluster().kubectl({"apply", "-f", "-"}, destination(dest) +
      "---\napiVersion: platform.kratix.io/v1alpha1\nkind: Promise\nmetadata: {name: " + promise + "}\nspec: {}\n");
  ASSERT_TRUE(created.ok()) << created.err;
  // A HealthRecord is in no category.
  created = kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: HealthRecord\n"
                                          "metadata: {name: health}\ndata: {promiseRef: {name: " + promise + "}}\n");
  ASSERT_TRUE(created.ok()) << created.err;

  auto listed = kubectl({"get", "kratix", "-o", "name"});
  ASSERT_TRUE(listed.ok()) << listed.err;
  EXPECT_NE(listed.out.find("destination.platform.kratix.io/" + dest + "\n"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("promise.platform.kratix.io/" + promise + "\n"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("healthrecord"), std::string::npos) << listed.out;
  EXPECT_EQ(kubectl({"get", "healthrecord", "health", "-o", "jsonpath={.data.state}"}).out, "unknown") << "the default state";

  cluster().kubectl({"delete", "destination", dest, "--wait=false"});
  cluster().kubectl({"delete", "promise", promise, "--wait=false"});
}

TEST_F(KratixCrds, ExplainDescribesPromiseWorkflows) {
  base::ProcessOutput explained;
  // The OpenAPI document kubectl explain reads is published shortly after the CRD is established.
  ASSERT_TRUE(eventually([&] {
    explained = kubectl({"explain", "promise.spec.workflows"});
    return explained.ok();
  }, 30s)) << explained.err;
  EXPECT_NE(explained.out.find("config\t<Object>"), std::string::npos) << explained.out;
  EXPECT_NE(explained.out.find("promise\t<Object>"), std::string::npos) << explained.out;
  EXPECT_NE(explained.out.find("resource\t<Object>"), std::string::npos) << explained.out;

  auto config = kubectl({"explain", "promise.spec.workflows.config"});
  ASSERT_TRUE(config.ok()) << config.err;
  EXPECT_NE(config.out.find("pipelineNamespace\t<string>"), std::string::npos) << config.out;
  EXPECT_NE(config.out.find("reconciliationInterval\t<string>"), std::string::npos) << config.out;
  auto resource = kubectl({"explain", "promise.spec.workflows.resource"});
  ASSERT_TRUE(resource.ok()) << resource.err;
  EXPECT_NE(resource.out.find("configure\t<[]Object>"), std::string::npos) << resource.out;
  EXPECT_NE(resource.out.find("delete\t<[]Object>"), std::string::npos) << resource.out;
}

TEST_F(KratixCrds, ADestinationGetsKratixDefaultsAndKeepsItsFilepathMode) {
  const std::string flat = "flat-" + ns(), nested = "nested-" + ns();
  auto created = cluster().kubectl({"apply", "-f", "-"},
                                   destination(flat, "  filepath: {mode: none}\n") + "---\n" + destination(nested));
  ASSERT_TRUE(created.ok()) << created.err;
  const std::string defaults = "{.spec.filepath.mode} {.spec.cleanup} {.spec.initWorkloads.enabled} {.spec.strictMatchLabels}";
  EXPECT_EQ(cluster().kubectl({"get", "destination", flat, "-o", "jsonpath=" + defaults}).out, "none none true false");
  EXPECT_EQ(cluster().kubectl({"get", "destination", nested, "-o", "jsonpath=" + defaults}).out, "nestedByMetadata none true false");

  // filepath.mode is immutable (CEL self == oldSelf); the rest of the spec is not.
  auto changed = cluster().kubectl({"patch", "destination", flat, "--type=merge", "-p", R"({"spec":{"filepath":{"mode":"nestedByMetadata"}}})"});
  EXPECT_FALSE(changed.ok());
  EXPECT_NE(changed.err.find("filepath.mode is immutable"), std::string::npos) << changed.err;
  EXPECT_EQ(cluster().kubectl({"get", "destination", flat, "-o", "jsonpath={.spec.filepath.mode}"}).out, "none");
  auto moved = cluster().kubectl({"patch", "destination", flat, "--type=merge", "-p", R"({"spec":{"path":"elsewhere"}})"});
  EXPECT_TRUE(moved.ok()) << moved.err;

  // path is required; the enums hold.
  auto pathless = cluster().kubectl({"create", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\n"
      "metadata: {name: pathless-" + ns() + "}\nspec: {stateStoreRef: {kind: S3, name: none}, filepath: {mode: flat}}\n");
  EXPECT_FALSE(pathless.ok());
  EXPECT_NE(pathless.err.find("spec.path: Required value"), std::string::npos) << pathless.err;
  EXPECT_NE(pathless.err.find(R"(spec.stateStoreRef.kind: Unsupported value: "S3")"), std::string::npos) << pathless.err;
  EXPECT_NE(pathless.err.find(R"(spec.filepath.mode: Unsupported value: "flat")"), std::string::npos) << pathless.err;

  cluster().kubectl({"delete", "destination", flat, nested, "--wait=false"});
}

TEST_F(KratixCrds, ShortNamesResolveAndTablesShowTheSpecsColumns) {
  const std::string dest = "columns-" + ns();
  auto created = cluster().kubectl({"apply", "-f", "-"}, destination(dest));
  ASSERT_TRUE(created.ok()) << created.err;
  created = kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: WorkPlacement\nmetadata: {name: placed}\n"
                                          "spec: {targetDestinationName: " + dest + ", promiseName: redis, id: 5058f1af8388633f609cadb75a75dc9d}\n");
  ASSERT_TRUE(created.ok()) << created.err;
  auto patched = cluster().kubectl({"patch", "destination", dest, "--subresource=status", "--type=merge", "-p",
      R"({"status":{"conditions":[)" + condition("Ready", "True", "TestDocumentsWritten", "Test documents written to State Store") + "]}}"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  patched = kubectl({"patch", "workplacement", "placed", "--subresource=status", "--type=merge", "-p",
      R"({"status":{"conditions":[)" + condition("Ready", "False", "WorkloadsFailedWrite", "Failing") + "]}}"});
  ASSERT_TRUE(patched.ok()) << patched.err;

  auto dests = cluster().kubectl({"get", "dest", dest});
  ASSERT_TRUE(dests.ok()) << dests.err;
  EXPECT_EQ(words(line_of(dests.out, 0)), (std::vector<std::string>{"NAME", "STATESTOREKIND", "STATESTORENAME", "READY"})) << dests.out;
  EXPECT_EQ(words(line_of(dests.out, 1)), (std::vector<std::string>{dest, "GitStateStore", "none", "True"})) << dests.out;
  EXPECT_TRUE(cluster().kubectl({"get", "dests", dest}).ok());

  auto wps = kubectl({"get", "wp"});
  ASSERT_TRUE(wps.ok()) << wps.err;
  EXPECT_EQ(words(line_of(wps.out, 0)), (std::vector<std::string>{"NAME", "DESTINATION", "STATUS"})) << wps.out;
  EXPECT_EQ(words(line_of(wps.out, 1)), (std::vector<std::string>{"placed", dest, "Failing"})) << wps.out;
  EXPECT_TRUE(kubectl({"get", "wps", "placed"}).ok());

  kubectl({"delete", "workplacement", "placed", "--wait=false"});
  cluster().kubectl({"delete", "destination", dest, "--wait=false"});
}

TEST_F(KratixCrds, TheStatusPavesControllersWriteIsKeptWhole) {
  // A Work's status: Kratix's counts and conditions, and Pave's placements (with any field added later).
  auto created = kubectl({"apply", "-f", "-"}, R"(apiVersion: platform.kratix.io/v1alpha1
kind: Work
metadata: {name: work}
spec:
  promiseName: redis
  resourceName: mine
  workloadGroups:
  - id: 5058f1af8388633f609cadb75a75dc9d
    directory: .
    destinationSelectors: [{source: promise, matchLabels: {env: dev}}]
    workloads: [{filepath: cm.yaml, content: abc}]
---
apiVersion: platform.kratix.io/v1alpha1
kind: WorkPlacement
metadata: {name: work.dev-5058f}
spec:
  targetDestinationName: dev
  promiseName: redis
  resourceName: mine
  id: 5058f1af8388633f609cadb75a75dc9d
  generation: 1
  workloads: [{filepath: cm.yaml, content: abc}]
)");
  ASSERT_TRUE(created.ok()) << created.err;
  auto patched = kubectl({"patch", "work", "work", "--subresource=status", "--type=merge", "-p",
      R"({"status":{"workPlacements":1,"workPlacementsCreated":1,)"
      R"("placements":[{"workloadGroupId":"5058f1af8388633f609cadb75a75dc9d","destination":"dev","misplaced":false,"later":"kept"}],)"
      R"("conditions":[)" + condition("ScheduleSucceeded", "True", "AllWorkplacementsScheduled", "All workplacements scheduled successfully") +
      "," + condition("Ready", "True", "AllWorkplacementsScheduled", "Ready") + "]}}"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  EXPECT_EQ(kubectl({"get", "work", "work", "-o",
                     "jsonpath={.status.workPlacements} {.status.workPlacementsCreated} {.status.placements[0].destination} "
                     "{.status.placements[0].misplaced} {.status.placements[0].later}"}).out,
            "1 1 dev false kept");
  auto works = kubectl({"get", "works"});
  EXPECT_EQ(words(line_of(works.out, 1)), (std::vector<std::string>{"work", "Ready"})) << works.out;

  // A WorkPlacement's versionID and conditions.
  patched = kubectl({"patch", "workplacement", "work.dev-5058f", "--subresource=status", "--type=merge", "-p",
      R"({"status":{"versionID":"0123abcd","conditions":[)" + condition("WriteSucceeded", "True", "WorkloadsWrittenToStateStore",
      "Workloads written to State Store") + "]}}"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  EXPECT_EQ(kubectl({"get", "workplacement", "work.dev-5058f", "-o",
                     R"(jsonpath={.status.versionID} {.status.conditions[?(@.type=="WriteSucceeded")].reason})"}).out,
            "0123abcd WorkloadsWrittenToStateStore");

  // A GitStateStore's status, and its spec's defaults.
  const std::string store = "store-" + ns();
  created = cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: GitStateStore\nmetadata: {name: " +
                                                        store + "}\nspec: {url: https://git.example/state.git}\n");
  ASSERT_TRUE(created.ok()) << created.err;
  EXPECT_EQ(cluster().kubectl({"get", "gitstatestore", store, "-o", "jsonpath={.spec.branch} {.spec.authMethod} {.spec.gitAuthor.name}"}).out,
            "main basicAuth kratix");
  patched = cluster().kubectl({"patch", "gitstatestore", store, "--subresource=status", "--type=merge", "-p",
      R"({"status":{"status":"Ready","observedGeneration":1,"conditions":[)" + condition("Ready", "True", "StateStoreReady",
      "State store is ready") + "]}}"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  EXPECT_EQ(cluster().kubectl({"get", "gitstatestore", store, "-o", "jsonpath={.status.status} {.status.observedGeneration}"}).out,
            "Ready 1");

  // A Promise's status keeps fields the schema does not name.
  const std::string promise = "status-" + ns();
  created = cluster().kubectl({"apply", "-f", "-"}, "apiVersion: platform.kratix.io/v1alpha1\nkind: Promise\nmetadata: {name: " +
                                                        promise + "}\nspec: {}\n");
  ASSERT_TRUE(created.ok()) << created.err;
  patched = cluster().kubectl({"patch", "promise", promise, "--subresource=status", "--type=merge", "-p",
      R"({"status":{"status":"Available","workflows":0,"kratix":{"workflows":{"pipelines":[{"name":"p","phase":"Succeeded"}]}},"later":"kept"}})"});
  ASSERT_TRUE(patched.ok()) << patched.err;
  EXPECT_EQ(cluster().kubectl({"get", "promise", promise, "-o",
                               "jsonpath={.status.status} {.status.kratix.workflows.pipelines[0].phase} {.status.later}"}).out,
            "Available Succeeded kept");

  kubectl({"delete", "works,workplacements", "--all", "--wait=false"});
  cluster().kubectl({"delete", "gitstatestore", store, "--wait=false"});
  cluster().kubectl({"delete", "promise", promise, "--wait=false"});
}

}  // namespace
}  // namespace pave::testing
