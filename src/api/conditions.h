// Status conditions in the Kubernetes convention: one per type, with the generation they describe, and
// a transition time that moves only when the status does.
#pragma once

#include <cstdint>
#include <string>

#include "kube/json.h"

namespace pave::api {

struct Condition {
  std::string type;
  bool status = false;
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  bool unknown = false;  // status "Unknown" (Kratix's Pending states), whatever `status` says
};

// Sets condition c in status["conditions"], keeping its lastTransitionTime if its status is unchanged.
void set_condition(kube::Json& status, const Condition& c);

// The condition of a type in an object's status, or null.
const kube::Json* find_condition(const kube::Json& object, const std::string& type);

}  // namespace pave::api
