// Wires Pave's reconcilers into a manager: the informers they share, what each watches, and the state-store
// registry between them. The `pave controller` command and the tests use this one wiring.
#pragma once

#include <memory>
#include <string>

#include "kube/manager.h"
#include "platform/resource_controllers.h"
#include "platform/state_store_registry.h"
#include "workflow/kratix_config.h"

namespace pave::platform {

struct ControllerOptions {
  std::string cache_dir;        // where Git state stores keep their clones
  int workplacement_workers = 8;   // a reconcile submits its write and returns: workers wait only for the API server
  int work_workers = 32;           // a Work costs three API requests in a row: enough workers to overlap them
  std::string secret_namespace; // "" watches Secrets in every namespace (for state-store credentials)
  workflow::KratixConfig kratix;  // the Kratix config (ConfigMap kratix-platform-system/kratix)
  std::string adapter_image;      // the image of the pipelines' reader, work-writer and status-writer ("": Pave's)
  // How often a Git store's remote is read (StateStoreReconciler) even while nothing is written, so files
  // changed behind Pave's back are written again within this time, not at the next rewrite (10 h). 0: never.
  double store_refresh_seconds = 60;
};

// Adds the state-store, Destination, Work, WorkPlacement and Promise controllers to manager, and returns
// what starts and stops the resource-request controllers as Promises come and go. Keep it while the
// manager runs, and destroy it before the manager.
std::unique_ptr<ResourceControllers> add_controllers(kube::Manager& manager, StateStoreRegistry& registry,
                                                     const ControllerOptions& options);

}  // namespace pave::platform
