#include "platform/controllers.h"

#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "platform/destination_reconciler.h"
#include "platform/health_record_reconciler.h"
#include "platform/promise_reconciler.h"
#include "platform/promise_release_reconciler.h"
#include "platform/promise_revision_reconciler.h"
#include "platform/promise_revisions.h"
#include "platform/resource_binding_reconciler.h"
#include "platform/resource_bindings.h"
#include "platform/state_store_reconciler.h"
#include "platform/work_placement_reconciler.h"
#include "platform/work_reconciler.h"

namespace pave::platform {
namespace {

bool write_failing(const kube::Json& wp) {
  const kube::Json* written = api::find_condition(wp, api::work_placement::kWriteSucceeded);
  return written && written->value("status", "") == "False";
}

// The Promise a promise workflow's Job or Work belongs to.
std::vector<kube::Request> promise_of(const kube::Json& object, const char* type_label, const char* type) {
  if (kube::meta::label(object, type_label) != type) return {};
  const std::string promise = kube::meta::label(object, api::kLabelPromiseName);
  if (promise.empty()) return {};
  return {{"", promise}};
}

// The Promises that require the named one (spec.requiredPromises).
std::vector<kube::Request> dependents_of(const kube::Informer& promises, const std::string& required) {
  std::vector<kube::Request> dependents;
  for (const auto& d : promises.store().by_index(PromiseReconciler::kRequiresIndex, required)) {
    dependents.push_back({"", kube::meta::name(*d)});
  }
  return dependents;
}

std::unique_ptr<ResourceControllers> add_workflow_controllers(kube::Manager& manager, const ControllerOptions& options,
                                                              kube::Informer& works, kube::Informer& promises) {
  // Only the Jobs Kratix (and so Pave) makes are cached, as Kratix's own Job cache is filtered, and only
  // their metadata: Job events only wake their Promise or request (by labels), and the workflow reads
  // Jobs from the API server. Whole Jobs (7 KB each) made the cache most of the controller's memory.
  kube::Informer& jobs = manager.informer(kube::resources::jobs(),
                                          {.label_selector = "app.kubernetes.io/managed-by=Kratix", .metadata_only = true});
  kube::Informer& revisions = manager.informer(api::promise_revisions());
  revisions.add_index(kRevisionPromiseIndex, revision_promise_index());
  kube::Informer& bindings = manager.informer(api::resource_bindings());
  bindings.add_index(kBindingRequestIndex, binding_request_index());
  auto requests = std::make_unique<ResourceControllers>(
      manager,
      RequestControllerContext{.client = manager.client(), .promises = promises, .works = works, .revisions = revisions,
                               .bindings = bindings, .events = manager.events(), .config = options.kratix,
                               .adapter_image = options.adapter_image},
      jobs, works, promises, revisions, bindings);
  auto promise = std::make_shared<PromiseReconciler>(manager.client(), promises, works, revisions, *requests,
                                                     manager.events(), options.kratix, options.adapter_image);
  kube::Controller& c = manager.add_controller("promise", promise, {.workers = 2});
  c.watch(promises, kube::changed_beyond_status);
  // A compound Promise looks again whenever a Promise it requires changes, its status included.
  c.watch_mapped(promises, [&promises](const kube::Json& p) { return dependents_of(promises, kube::meta::name(p)); });
  // ... and whenever a revision of one appears or goes (an older version asked for may be kept by it).
  c.watch_mapped(revisions, [&promises](const kube::Json& r) {
    return dependents_of(promises, kube::string_at(kube::child(kube::child(r, "spec"), "promiseRef"), "name"));
  });
  c.watch_mapped(jobs, [](const kube::Json& j) { return promise_of(j, "kratix.io/workflow-type", "promise"); });
  c.watch_mapped(works, [](const kube::Json& w) { return promise_of(w, api::kLabelWorkType, "promise"); });

  kube::Informer& records = manager.informer(api::health_records());
  records.add_index(HealthRecordReconciler::kRequestIndex, HealthRecordReconciler::request_index());
  auto health = std::make_shared<HealthRecordReconciler>(manager.client(), records, promises, manager.events());
  manager.add_controller("healthrecord", health, {.workers = 1}).watch(records);

  auto binding = std::make_shared<ResourceBindingReconciler>(manager.client(), bindings, promises, revisions);
  kube::Controller& binding_controller = manager.add_controller("resourcebinding", binding, {.workers = 2});
  binding_controller.watch(bindings, kube::changed_beyond_status);
  // A new latest revision moves every `latest` binding of its Promise.
  binding_controller.watch_mapped(revisions, [binding](const kube::Json& r) {
    return binding->bindings_of(kube::string_at(kube::child(kube::child(r, "spec"), "promiseRef"), "name"));
  });

  auto revision = std::make_shared<PromiseRevisionReconciler>(manager.client(), revisions, promises, bindings, manager.events());
  kube::Controller& revision_controller = manager.add_controller("promiserevision", revision, {.workers = 1});
  revision_controller.watch(revisions, kube::changed_beyond_status);
  // A pinned request's binding going lets its revision's deletion go on.
  revision_controller.watch_mapped(bindings, [revision](const kube::Json& b) { return revision->revision_pinned_by(b); });

  kube::Informer& releases = manager.informer(api::promise_releases());
  promises.add_index(PromiseReleaseReconciler::kReleaseIndex, PromiseReleaseReconciler::release_index());
  auto release = std::make_shared<PromiseReleaseReconciler>(manager.client(), releases, promises, manager.events());
  kube::Controller& release_controller = manager.add_controller("promiserelease", release, {.workers = 1});
  release_controller.watch(releases, kube::changed_beyond_status);
  // A release's Promise deleted (or relabelled) is installed again.
  release_controller.watch_mapped(promises, [](const kube::Json& p) {
    std::vector<kube::Request> owners = kube::controller_owners(p, api::promise_releases());
    const std::string labelled = kube::meta::label(p, api::kLabelPromiseRelease);
    if (!labelled.empty() && (owners.empty() || owners.front().name != labelled)) owners.push_back({"", labelled});
    return owners;
  }, kube::changed_beyond_status);
  return requests;
}

}  // namespace

std::unique_ptr<ResourceControllers> add_controllers(kube::Manager& manager, StateStoreRegistry& registry,
                                                     const ControllerOptions& options) {
  const kube::Client& client = manager.client();
  // Secrets only wake the stores that name them: their names and resourceVersions are cached, never their
  // data, which a store reads when it opens a writer (StateStoreReconciler::set_secret_metadata).
  kube::Informer& secrets = manager.informer(kube::resources::secrets(),
                                             {.namespace_ = options.secret_namespace, .metadata_only = true});
  kube::Informer& destinations = manager.informer(api::destinations());
  // Works and WorkPlacements are the caches that grow with use: kept compact (store.h).
  kube::Informer& placements = manager.informer(api::work_placements(), {.compact_cache = true});
  kube::Informer& works = manager.informer(api::works(), {.compact_cache = true});
  kube::Informer& promises = manager.informer(api::promises());
  promises.add_index(PromiseReconciler::kRequiresIndex, PromiseReconciler::requires_index());
  works.add_index(RequestPlacementReporter::kRequestIndex, RequestPlacementReporter::request_index());
  works.add_index(PromiseReconciler::kPromiseWorkIndex, PromiseReconciler::promise_work_index());
  placements.add_index(WorkPlacementReconciler::kDestinationIndex, WorkPlacementReconciler::destination_index());
  placements.add_index(WorkReconciler::kWorkIndex, WorkReconciler::work_index());

  auto destination = std::make_shared<DestinationReconciler>(client, destinations, placements, registry, manager.events());
  kube::Controller& destination_controller = manager.add_controller("destination", destination, {.workers = 2});
  destination_controller.watch(destinations);
  // A Destination cleaning up (cleanup: all) waits for its WorkPlacements to go.
  destination_controller.watch_mapped(placements, [destination](const kube::Json& wp) { return destination->deleting_destination_of(wp); });

  for (const auto& [kind, resource] : {std::pair{"GitStateStore", api::git_state_stores()},
                                       std::pair{"BucketStateStore", api::bucket_state_stores()}}) {
    kube::Informer& stores = manager.informer(resource);
    auto reconciler = std::make_shared<StateStoreReconciler>(client, kind, stores, registry, manager.events(), options.cache_dir,
                                                             options.kratix.git.minimum_fetch_interval);
    reconciler->set_refresh_interval(std::chrono::milliseconds(static_cast<int64_t>(options.store_refresh_seconds * 1000)));
    // Two workers: one store's slow clone does not hold up another's.
    kube::Controller& c = manager.add_controller(std::string(kind), reconciler, {.workers = 2});
    reconciler->set_wake(c.enqueuer());
    reconciler->set_secret_metadata(&secrets);
    c.watch(stores);
    c.watch_mapped(secrets, [reconciler](const kube::Json& s) { return reconciler->stores_using(s); });
    destination_controller.watch_mapped(stores, [destination](const kube::Json& s) { return destination->destinations_using(s); });
  }

  auto placement = std::make_shared<WorkPlacementReconciler>(client, placements, destinations, registry, manager.events());
  placement->set_rewrite_interval(options.kratix.state_store_reconciliation_interval);
  kube::Controller& placement_controller =
      manager.add_controller("workplacement", placement, {.workers = options.workplacement_workers});
  placement->set_wake(placement_controller.enqueuer());
  // Kratix's trigger: create, spec change, deletion start; a WorkPlacement's own status writes do not count.
  placement_controller.watch(placements, kube::changed_beyond_status);
  placement_controller.watch_mapped(destinations, [placement](const kube::Json& d) { return placement->placements_on(d); },
                                    kube::changed_beyond_status);

  // A store's writer opening (at start-up, or after new credentials) is what Destinations and
  // WorkPlacements waiting for it need: wake them now rather than at their next retry.
  registry.on_opened([destination, placement, wake_destination = destination_controller.enqueuer(),
                      wake_placement = placement_controller.enqueuer(), &destinations](const std::string& kind, const std::string& name) {
    for (const auto& d : destination->destinations_using(kind, name)) {
      wake_destination(d);
      if (kube::ObjectPtr dest = destinations.store().get(d.name)) {
        for (const auto& wp : placement->placements_on(*dest)) wake_placement(wp);
      }
    }
  });

  // Files changed behind a writer's back (a force-push, a hand edit, another writer's commit): the
  // WorkPlacements that own them write theirs again, and the store's Destinations their canaries.
  registry.on_drift([placement, destination, wake_destination = destination_controller.enqueuer()](
                        const std::string& kind, const std::string& name, const std::vector<std::string>& paths) {
    placement->rewrite_drifted(kind, name, paths);
    for (const auto& d : destination->destinations_using(kind, name)) wake_destination(d);
  });

  auto work = std::make_shared<WorkReconciler>(client, works, placements, destinations, promises, manager.events());
  kube::Controller& work_controller = manager.add_controller("work", work, {.workers = options.work_workers});
  work_controller.watch(works, kube::changed_beyond_status);
  // A Work's status depends on its WorkPlacements only through failing writes.
  work_controller.watch_mapped(
      placements, [](const kube::Json& wp) { return kube::controller_owners(wp, api::works()); },
      [](const kube::Json& before, const kube::Json& after) { return write_failing(before) != write_failing(after); });
  // Scheduling reads Destinations' labels and deletion, not their status.
  work_controller.watch_mapped(destinations, [work](const kube::Json&) { return work->all_works(); }, kube::changed_beyond_status);
  return add_workflow_controllers(manager, options, works, promises);
}

}  // namespace pave::platform
