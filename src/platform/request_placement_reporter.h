// RequestPlacementReporter: tells a resource request where its Works landed. Kratix users cannot see
// which Destination their request went to (kratix#823); Pave writes it on the request's status:
//
//   status:
//     kratix:
//       placements:
//       - {work: redis-abc12, workloadGroupId: 5058f1af..., destination: worker-1, misplaced: false}
//
// one entry per workload group and Destination of every Work made for the request. The request's API
// comes from its Promise's spec.api; Works of no request (dependencies), of a Promise that is not there,
// or of a request that is gone are left alone.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kube/client.h"
#include "kube/informer.h"

namespace pave::platform {

class RequestPlacementReporter {
 public:
  // works must have the index kRequestIndex (request_index()).
  RequestPlacementReporter(kube::Client client, const kube::Informer& works, const kube::Informer& promises);

  static constexpr const char* kRequestIndex = "resource-request";
  // A resource Work's request: "<promise>/<namespace>/<name>".
  static kube::IndexFunc request_index();

  // Brings work's request up to date, with placements as this Work's newest list (its cached status may
  // lag behind) and the other Works' from the cache. going: the Work is being deleted and no longer counts.
  kube::Status report(const kube::Json& work, const kube::Json& placements, bool going = false);

 private:
  kube::Client client_;
  const kube::Informer& works_;
  const kube::Informer& promises_;
  std::array<std::mutex, 16> stripes_;  // one report per request at a time (by the request's hash)
  std::mutex mu_;                        // guards the maps below
  std::map<std::string, size_t> told_;   // a hash of what each request was last told, to skip repeats
  std::map<std::string, std::map<std::string, kube::Json>> latest_;  // request -> Work -> its newest placements
};

// The resource requests' API as the Promise's spec.api declares it, or nothing when it has none.
std::optional<kube::Resource> request_resource(const kube::Json& promise);

}  // namespace pave::platform
