// Which Destinations a workload group may go to (kratix-spec.md 4.1, 4.2), as pure functions.
//
// A group's destinationSelectors merge with priority resource-workflow < promise-workflow < promise
// (the higher source wins a key). A Destination matches when it has every selector label with the same
// value; Destinations being deleted never match, nor do dry-run sinks (kratix.io/dry-run: "true"), nor,
// for an empty selector, Destinations with strictMatchLabels and at least one label.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kube/json.h"

namespace pave::platform {

using Labels = std::map<std::string, std::string>;

struct DestinationView {
  std::string name;
  Labels labels;
  bool strict_match_labels = false;
  bool deleting = false;
};

DestinationView destination_view(const kube::Json& destination);

// The merged selector of a workload group.
Labels merged_selector(const kube::Json& workload_group);

bool matches(const DestinationView& d, const Labels& selector);

// Names of the Destinations a group with this selector may go to, sorted.
std::vector<std::string> candidates(const std::vector<DestinationView>& destinations, const Labels& selector);

}  // namespace pave::platform
