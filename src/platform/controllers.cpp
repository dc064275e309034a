#include "platform/controllers.h"

#include "platform/api/kratix.h"
#include "platform/destination_reconciler.h"
#include "platform/state_store_reconciler.h"
#include "platform/work_placement_reconciler.h"
#include "platform/work_reconciler.h"

namespace pave::platform {

void add_controllers(kube::Manager& manager, StateStoreRegistry& registry, const ControllerOptions& options) {
  const kube::Client& client = manager.client();
  kube::Informer& secrets = manager.informer(kube::resources::secrets(), {.namespace_ = options.secret_namespace});
  kube::Informer& destinations = manager.informer(api::destinations());
  kube::Informer& placements = manager.informer(api::work_placements());
  kube::Informer& works = manager.informer(api::works());
  placements.add_index(WorkPlacementReconciler::kDestinationIndex, WorkPlacementReconciler::destination_index());
  placements.add_index(WorkReconciler::kWorkIndex, WorkReconciler::work_index());

  auto destination = std::make_shared<DestinationReconciler>(client, destinations, registry, manager.events());
  kube::Controller& destination_controller = manager.add_controller("destination", destination, {.workers = 2});
  destination_controller.watch(destinations);

  for (const auto& [kind, resource] : {std::pair{"GitStateStore", api::git_state_stores()},
                                       std::pair{"BucketStateStore", api::bucket_state_stores()}}) {
    kube::Informer& stores = manager.informer(resource);
    auto reconciler = std::make_shared<StateStoreReconciler>(client, kind, stores, registry, manager.events(), options.cache_dir);
    kube::Controller& c = manager.add_controller(std::string(kind), reconciler, {.workers = 1});
    c.watch(stores);
    c.watch_mapped(secrets, [reconciler](const kube::Json& s) { return reconciler->stores_using(s); });
    destination_controller.watch_mapped(stores, [destination](const kube::Json& s) { return destination->destinations_using(s); });
  }

  auto placement = std::make_shared<WorkPlacementReconciler>(client, placements, destinations, registry, manager.events());
  kube::Controller& placement_controller =
      manager.add_controller("workplacement", placement, {.workers = options.workplacement_workers});
  placement_controller.watch(placements);
  placement_controller.watch_mapped(destinations, [placement](const kube::Json& d) { return placement->placements_on(d); });

  auto work = std::make_shared<WorkReconciler>(client, works, placements, destinations, manager.events());
  kube::Controller& work_controller = manager.add_controller("work", work, {.workers = 8});
  work_controller.watch(works);
  // A Work cares about its WorkPlacements' conditions (failing writes), not their every change.
  work_controller.watch_mapped(
      placements, [](const kube::Json& wp) { return kube::controller_owners(wp, api::works()); },
      [](const kube::Json& before, const kube::Json& after) {
        auto conditions = [](const kube::Json& o) { return o.value("status", kube::Json::object()).value("conditions", kube::Json::array()); };
        return conditions(before) != conditions(after);
      });
  work_controller.watch_mapped(destinations, [work](const kube::Json&) { return work->all_works(); });
}

}  // namespace pave::platform
