// The chaos harness with resource requests (chaos_harness.h, run_request_chaos): the same kills and
// checks as for Works, one layer up, so that what a kill can leave wrong in the workflow layer once it
// settles shows too: a request whose workflow never completed for its generation, a Work made twice and
// kept, a file missing or stale. (A pipeline run twice with the same output leaves no trace to check.)
#include <map>
#include <thread>

#include "support/chaos_harness.h"
#include "support/chaos_parts.h"

namespace pave::testing {
namespace {

using namespace chaos;

constexpr const char* kPromise = "chaosapp";
constexpr const char* kPipeline = "render";
const kube::Resource kRequests{"chaos.kratix.io", "v1alpha1", "chaosapps", "ChaosApp", true};
const kube::Resource kPromises{"platform.kratix.io", "v1alpha1", "promises", "Promise", false};

std::string request_name(int i) { return "req-" + std::to_string(i); }

// What the pipeline writes for request i at version.
std::string request_content(int i, int version) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + request_name(i) + ", namespace: default}\ndata: {version: \"" +
         std::to_string(version) + "\"}\n";
}

// Kratix's nestedByMetadata path of request i's file (the workload group of the pipeline's output
// directory ".", whose id is md5(".") = 5058f...).
std::string request_path(int i, const ChaosOptions& o) {
  return destination_of(i, o) + "/resources/" + o.ns + "/" + kPromise + "/" + request_name(i) + "/" + kPipeline +
         "/5058f/configmap.yaml";
}

// The Promise: a namespaced API and one resource.configure pipeline of one container that writes the
// ConfigMap and selects the Destination the request names.
std::string promise_yaml() {
  return std::string(R"(apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: )") + kPromise + R"(
spec:
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: chaosapps.chaos.kratix.io}
    spec:
      group: chaos.kratix.io
      scope: Namespaced
      names: {kind: ChaosApp, plural: chaosapps, singular: chaosapp}
      versions:
      - name: v1alpha1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
  workflows:
    resource:
      configure:
      - apiVersion: platform.kratix.io/v1alpha1
        kind: Pipeline
        metadata: {name: )" + kPipeline + R"(}
        spec:
          containers:
          - name: render
            image: localhost/pave-pipeline-utility:dev
            command: [sh, -ec]
            args:
            - |
              version=$(yq '.spec.version' /kratix/input/object.yaml)
              destination=$(yq '.spec.destination' /kratix/input/object.yaml)
              printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\ndata: {version: "%s"}\n' \
                "$KRATIX_OBJECT_NAME" "$version" > /kratix/output/configmap.yaml
              printf -- '- matchLabels: {dest: %s}\n' "$destination" > /kratix/metadata/destination-selectors.yaml
)";
}

Json request(int i, int version, const ChaosOptions& o) {
  return {{"apiVersion", "chaos.kratix.io/v1alpha1"}, {"kind", "ChaosApp"},
          {"metadata", {{"name", request_name(i)}, {"namespace", o.ns}}},
          {"spec", {{"version", version}, {"destination", o.prefix + destination_of(i, o)}}}};
}

bool condition_is(const Json& o, const std::string& type, const std::string& status) {
  for (const auto& c : kube::child(kube::child(o, "status"), "conditions")) {
    if (c.value("type", "") == type) return c.value("status", "") == status;
  }
  return false;
}

// What is wrong with a request's status, "" when nothing: its last workflow must have completed for its
// generation.
std::string status_problem(const Json& rr) {
  const Json& status = kube::child(rr, "status");
  if (!condition_is(rr, "Reconciled", "True")) return "not Reconciled";
  if (!condition_is(rr, "ConfigureWorkflowCompleted", "True")) return "ConfigureWorkflowCompleted not True";
  if (status.value("observedGeneration", int64_t{-1}) != rr["metadata"].value("generation", int64_t{0})) {
    return "observedGeneration " + std::to_string(status.value("observedGeneration", int64_t{-1})) + " of generation " +
           std::to_string(rr["metadata"].value("generation", int64_t{0}));
  }
  return "";
}

// Checks the requests (left: how many should exist), their Works, the WorkPlacements and the repository
// against what the requests say; true when all is as it should be.
bool check(const kube::Client& client, const GitServer& git, const ChaosOptions& o, ChaosReport& r, size_t left) {
  auto requests = client.list_all(kRequests, o.ns);
  auto works = client.list_all(kWorks, o.ns);
  if (!requests || !works) return false;
  if (requests->items.size() != left) return false;
  r.wrong_status.clear();
  for (const auto& rr : requests->items) {
    if (auto problem = status_problem(rr); !problem.empty()) r.wrong_status.push_back(kube::meta::name(rr) + ": " + problem);
  }
  // Every Work in the namespace is a request's (the Promise has no dependencies or promise workflow).
  std::map<std::string, int> works_of;
  for (const auto& w : works->items) works_of[kube::meta::label(w, "kratix.io/resource-name")]++;
  r.duplicate_works.clear();
  for (const auto& [name, n] : works_of) {
    if (n > 1) r.duplicate_works.push_back(name + " x" + std::to_string(n));
  }
  if (!count_placements(client, o, r)) return false;
  if (works->items.size() != left || r.placements != left || r.ready_placements != left) return false;
  std::map<std::string, std::string> files;
  for (int i = 0; i < o.works && left > 0; ++i) {
    if (!deleted(i)) files[request_path(i, o)] = request_content(i, changed(i) ? 2 : 1);
  }
  if (left > 0) r.expected_files = files.size() + 2 * o.destinations;
  compare_store(git, o, std::move(files), r);
  return r.clean();
}

// Waits for check() to pass; why not, if it does not within the settle timeout, with how long before
// the end a WorkPlacement last became Ready (slow, or stuck). A large run is checked every 5 s: listing
// every request, Work and WorkPlacement each second would take the pipelines' CPU.
std::optional<std::string> settle_requests(const kube::Client& client, const GitServer& git, Controllers& controllers,
                                  const ChaosOptions& o, ChaosReport& r, size_t left) {
  std::optional<std::string> gone;
  size_t most_ready = 0;
  auto last_progress = std::chrono::steady_clock::now();
  const bool settled = eventually([&] {
    if ((gone = controllers.exited())) return true;
    const bool ok = check(client, git, o, r, left);
    if (r.ready_placements > most_ready) {
      most_ready = r.ready_placements;
      last_progress = std::chrono::steady_clock::now();
    }
    return ok;
  }, o.settle_timeout, std::chrono::seconds(o.works > 300 ? 5 : 1));
  if (gone) return gone;
  if (settled) return std::nullopt;
  check(client, git, o, r, left);  // the report then says what is still wrong
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - last_progress);
  return "not settled within " + std::to_string(o.settle_timeout.count()) + " s (the last WorkPlacement became Ready " +
         std::to_string(idle.count()) + " s before the end)";
}

// What a run leaves in the cluster goes with it, however it ends: the Promise (its CRD and any request
// left; while the controllers still run, so their finalizers are honoured), the Destinations and store.
class CleanUp {
 public:
  CleanUp(const ClusterAccess& cluster, const ChaosOptions& o) : cluster_(cluster), o_(o) {}
  ~CleanUp() {
    cluster_.kubectl({"delete", "promise", kPromise, "--ignore-not-found", "--timeout=120s"});
    clean_up(cluster_, o_);
  }
  CleanUp(const CleanUp&) = delete;
  CleanUp& operator=(const CleanUp&) = delete;

 private:
  const ClusterAccess& cluster_;
  const ChaosOptions& o_;
};

size_t count_jobs(const kube::Client& client, const ChaosOptions& o) {
  auto jobs = client.list_all(kube::resources::jobs(), o.ns, {.label_selector = std::string("kratix.io/promise-name=") + kPromise});
  return jobs ? jobs->items.size() : 0;
}

}  // namespace

ChaosReport run_request_chaos(const ClusterAccess& cluster, GitServer& git, const std::string& pave_binary,
                              const std::string& work_dir, const ChaosOptions& o) {
  ChaosReport report;
  auto made = harness_client(cluster);
  if (!made) return report.failure = made.error(), report;
  const kube::Client client = *made;
  if (auto failed = set_up_store(cluster, client, git, o)) return report.failure = *failed, report;

  Controllers controllers(pave_binary, cluster.kubeconfig, work_dir, o.replicas);
  const CleanUp clean_up_on_return(cluster, o);  // declared after the controllers: runs while they do
  if (auto failed = start_controllers(controllers, client, o)) return report.failure = *failed, report;
  if (auto applied = cluster.kubectl({"apply", "-f", "-"}, promise_yaml()); !applied.ok()) {
    return report.failure = "Promise: " + applied.err, report;
  }
  const bool available = eventually([&] {
    auto promise = client.get(kPromises, "", kPromise);
    return promise && kube::child(*promise, "status").value("status", "") == "Available";
  }, std::chrono::seconds(120));
  if (!available) return report.failure = "the Promise did not become Available", report;
  cluster.kubectl({"wait", "--for=condition=Established", "crd/chaosapps.chaos.kratix.io", "--timeout=60s"});

  run_phases(client, controllers, o, report, work_dir,
             {.noun = "request", .resource = kRequests, .name = request_name,
              .make = [&](int i, int version) { return request(i, version, o); },
              .settle = [&](size_t left) { return settle_requests(client, git, controllers, o, report, left); },
              .settled = [&] { report.jobs = count_jobs(client, o); }});
  return report;
}

}  // namespace pave::testing
