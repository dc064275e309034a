// The contract between a controller and the code that makes one object right.
//
// Reconciliation is level-based: a reconciler is told only which object to look at, reads the world,
// and makes it as it should be. It is called again on any change to the object or to what it watches,
// after an error (with per-object exponential backoff), and after requeue_after if it asks.
#pragma once

#include <chrono>
#include <string>

#include "kube/error.h"

namespace pave::kube {

// Which object to reconcile.
struct Request {
  std::string namespace_;  // "" for cluster-scoped objects
  std::string name;

  std::string key() const { return namespace_.empty() ? name : namespace_ + "/" + name; }
  static Request from_key(const std::string& key);
  auto operator<=>(const Request&) const = default;
};

struct ReconcileResult {
  // Reconcile again after this long even if nothing changes (0: only on change).
  std::chrono::milliseconds requeue_after{0};
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // An Error means "try again later, with backoff"; it is counted and logged by the controller.
  virtual Result<ReconcileResult> reconcile(const Request& request) = 0;
};

}  // namespace pave::kube
