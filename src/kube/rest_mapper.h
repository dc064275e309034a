// Finds the REST resource for a kind through the API server's discovery.
//
// The mapper loads aggregated discovery (two requests: /api and /apis) on first use and again whenever
// asked for a kind it does not know, at most once per refresh interval. So a kind from a CRD that became
// Established after start-up is found on the first lookup after it is served.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/resource.h"

namespace pave::kube {

// One resource as aggregated discovery lists it, with the other names it is known by.
struct DiscoveredResource {
  Resource resource;
  std::string singular;                  // "deployment"
  std::vector<std::string> short_names;  // "deploy"
  bool preferred = false;                // in its group's preferred (first listed) version
};

// Every resource the API server serves, core group first, in discovery's order: two requests (/api and
// /apis, aggregated discovery).
Result<std::vector<DiscoveredResource>> discover_resources(const Client& client);

class RestMapper {
 public:
  explicit RestMapper(Client client, std::chrono::milliseconds min_refresh_interval = std::chrono::seconds(1))
      : client_(std::move(client)), min_refresh_interval_(min_refresh_interval) {}

  Result<Resource> resource_for(const GroupVersionKind& gvk);

  // The resource for an object's apiVersion and kind.
  Result<Resource> resource_for(const Json& object);

  // Reloads discovery now.
  Status refresh();

 private:
  Status refresh_locked();

  Client client_;
  const std::chrono::milliseconds min_refresh_interval_;
  std::mutex mu_;
  std::map<GroupVersionKind, Resource> by_kind_;
  std::chrono::steady_clock::time_point last_refresh_{};
  bool loaded_ = false;
};

}  // namespace pave::kube
