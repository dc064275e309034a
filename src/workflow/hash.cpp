#include "workflow/hash.h"

#include "api/naming.h"

namespace pave::workflow {

using kube::Json;

std::string spec_hash(const Json& object) {
  static const Json kNull;
  const Json& spec = object.is_object() && object.contains("spec") ? object["spec"] : kNull;
  // replace, not throw, should a string hold invalid UTF-8: the API server never sends one, but a hash must not fail.
  return api::md5_hex(spec.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string promise_workflow_hash(const Json& promise) { return spec_hash(promise); }

std::string resource_workflow_hash(const Json& promise, const Json& resource_request, bool dry_run) {
  std::string combined = spec_hash(promise) + "-" + spec_hash(resource_request);
  if (dry_run) combined += "-dry-run";
  return api::md5_hex(combined);
}

std::string workflow_hash(WorkflowType type, const Json& promise, const Json& object, bool dry_run) {
  if (type == WorkflowType::kPromise) return promise_workflow_hash(promise);
  return resource_workflow_hash(promise, object, dry_run);
}

}  // namespace pave::workflow
