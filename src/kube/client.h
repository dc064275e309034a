// A dynamic client: read and write any resource as JSON.
//
//   kube::Client client(transport);
//   auto cm = client.get(kube::resources::configmaps(), "default", "settings");
//   if (kube::is_not_found(cm)) { ... }
//   auto applied = client.apply(resource, desired, {.field_manager = "pave"});
//
// Calls are synchronous and thread-safe; every failure comes back as a typed Error carrying the API
// server's reason, message and causes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"
#include "kube/json.h"
#include "kube/resource.h"
#include "kube/transport.h"

namespace pave::kube {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;              // page size; 0: everything in one response
  std::string continue_token;
  std::string resource_version;   // "0": any cached version; "": the latest (quorum read)
  bool metadata_only = false;     // items as PartialObjectMetadata: names, labels, owners, no spec
};

// One page of a list: items plus the list's resourceVersion and continue token.
struct ObjectList {
  std::vector<Json> items;
  std::string resource_version;
  std::string continue_token;  // non-empty when more pages remain
};

struct WriteOptions {
  std::string field_manager;
  bool dry_run = false;
};

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct PatchOptions {
  std::string field_manager;
  bool force = false;          // server-side apply: take ownership of conflicting fields
  std::string subresource;     // e.g. "status"
  bool dry_run = false;
};

struct ApplyOptions {
  std::string field_manager;   // required by the API server
  bool force = false;
  std::string subresource;
};

struct DeleteOptions {
  std::string propagation_policy;              // Foreground, Background or Orphan; "": the server's default
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
};

class Client {
 public:
  explicit Client(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

  Result<Json> get(const Resource& r, std::string_view ns, std::string_view name, std::string_view subresource = {}) const;

  // One page (or everything, when options.limit is 0).
  Result<ObjectList> list(const Resource& r, std::string_view ns, const ListOptions& options = {}) const;

  // Every item, fetched page_size at a time with continue tokens.
  Result<ObjectList> list_all(const Resource& r, std::string_view ns, ListOptions options = {},
                              int64_t page_size = 500) const;

  Result<Json> create(const Resource& r, std::string_view ns, const Json& object, const WriteOptions& options = {}) const;

  // POST to a subresource, e.g. serviceaccounts/token or pods/eviction.
  Result<Json> create_subresource(const Resource& r, std::string_view ns, std::string_view name,
                                  std::string_view subresource, const Json& body) const;

  // PUT of the whole object; metadata.resourceVersion makes it conditional (Conflict when stale).
  Result<Json> update(const Resource& r, const Json& object, const WriteOptions& options = {}) const;
  Result<Json> update_status(const Resource& r, const Json& object, const WriteOptions& options = {}) const;

  Result<Json> patch(const Resource& r, std::string_view ns, std::string_view name, PatchType type, const Json& patch,
                     const PatchOptions& options = {}) const;

  // Server-side apply of object (apiVersion, kind and metadata.name must be set).
  Result<Json> apply(const Resource& r, const Json& object, const ApplyOptions& options) const;

  // Deletes an object. Deleting something already gone is NotFound: callers decide whether that is fine.
  Status remove(const Resource& r, std::string_view ns, std::string_view name, const DeleteOptions& options = {}) const;

  // A request of the caller's own making, with the same errors as the typed calls.
  Result<Json> request(const HttpRequest& request) const;

  Transport& transport() const { return *transport_; }
  const std::shared_ptr<Transport>& shared_transport() const { return transport_; }

 private:
  std::shared_ptr<Transport> transport_;
};

// Makes a client for a config: the usual start of a program.
Result<Client> make_client(const Config& config);

}  // namespace pave::kube
