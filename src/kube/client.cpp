#include "kube/client.h"

#include "kube/object.h"

namespace pave::kube {
namespace {

// Appends name=value to a query string when value is set.
void add_param(std::string& query, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  query += query.empty() ? '?' : '&';
  query += std::string(name) + "=" + url_escape(value);
}

std::string write_query(const WriteOptions& o) {
  std::string q;
  add_param(q, "fieldManager", o.field_manager);
  if (o.dry_run) add_param(q, "dryRun", "All");
  return q;
}

Result<Json> decode(const Result<HttpResponse>& response) {
  if (!response) return std::unexpected(response.error());
  if (response->status < 200 || response->status >= 300) {
    return std::unexpected(error_from_response(response->status, response->body));
  }
  if (response->body.empty()) return Json::object();
  auto json = Json::parse(response->body, nullptr, false);
  if (json.is_discarded()) return std::unexpected(make_error(ErrorKind::kDecode, "response is not JSON"));
  return json;
}

std::string patch_content_type(PatchType type) {
  switch (type) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

}  // namespace

Result<Json> Client::request(const HttpRequest& request) const { return decode(transport_->send(request)); }

Result<Json> Client::get(const Resource& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) const {
  return request({.method = "GET", .path = r.object_path(ns, name, subresource)});
}

Result<ObjectList> Client::list(const Resource& r, std::string_view ns, const ListOptions& o) const {
  std::string q;
  add_param(q, "labelSelector", o.label_selector);
  add_param(q, "fieldSelector", o.field_selector);
  if (o.limit > 0) add_param(q, "limit", std::to_string(o.limit));
  add_param(q, "continue", o.continue_token);
  add_param(q, "resourceVersion", o.resource_version);
  auto json = request({.method = "GET",
                       .path = r.collection_path(ns) + q,
                       .accept = o.metadata_only ? kMetadataOnlyListAccept : "application/json"});
  if (!json) return std::unexpected(json.error());
  ObjectList list;
  if (auto items = json->find("items"); items != json->end() && items->is_array()) {
    list.items.reserve(items->size());
    for (auto& item : *items) {
      // List items omit apiVersion and kind; put them back so each item stands on its own.
      item["apiVersion"] = r.api_version();
      item["kind"] = r.kind;
      list.items.push_back(std::move(item));
    }
  }
  if (auto m = json->find("metadata"); m != json->end() && m->is_object()) {
    list.resource_version = m->value("resourceVersion", "");
    list.continue_token = m->value("continue", "");
  }
  return list;
}

Result<ObjectList> Client::list_all(const Resource& r, std::string_view ns, ListOptions options,
                                    int64_t page_size) const {
  options.limit = page_size;
  ObjectList all;
  for (;;) {
    auto page = list(r, ns, options);
    if (!page) return page;
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all.items));
    if (all.resource_version.empty()) all.resource_version = page->resource_version;
    if (page->continue_token.empty()) return all;
    options.continue_token = page->continue_token;
    options.resource_version.clear();  // a continue token carries its own version
  }
}

Result<Json> Client::create(const Resource& r, std::string_view ns, const Json& object, const WriteOptions& o) const {
  return request({.method = "POST", .path = r.collection_path(ns) + write_query(o), .body = object.dump()});
}

Result<Json> Client::create_subresource(const Resource& r, std::string_view ns, std::string_view name,
                                        std::string_view subresource, const Json& body) const {
  return request({.method = "POST", .path = r.object_path(ns, name, subresource), .body = body.dump()});
}

Result<Json> Client::update(const Resource& r, const Json& object, const WriteOptions& o) const {
  return request({.method = "PUT",
                  .path = r.object_path(meta::namespace_of(object), meta::name(object)) + write_query(o),
                  .body = object.dump()});
}

Result<Json> Client::update_status(const Resource& r, const Json& object, const WriteOptions& o) const {
  return request({.method = "PUT",
                  .path = r.object_path(meta::namespace_of(object), meta::name(object), "status") + write_query(o),
                  .body = object.dump()});
}

Result<Json> Client::patch(const Resource& r, std::string_view ns, std::string_view name, PatchType type,
                           const Json& patch, const PatchOptions& o) const {
  std::string q;
  add_param(q, "fieldManager", o.field_manager);
  if (o.force) add_param(q, "force", "true");
  if (o.dry_run) add_param(q, "dryRun", "All");
  return request({.method = "PATCH",
                  .path = r.object_path(ns, name, o.subresource) + q,
                  .body = patch.dump(),
                  .content_type = patch_content_type(type)});
}

Result<Json> Client::apply(const Resource& r, const Json& object, const ApplyOptions& o) const {
  if (o.field_manager.empty()) return std::unexpected(make_error(ErrorKind::kBadRequest, "apply needs a field manager"));
  return patch(r, meta::namespace_of(object), meta::name(object), PatchType::kApply, object,
               {.field_manager = o.field_manager, .force = o.force, .subresource = o.subresource});
}

Status Client::remove(const Resource& r, std::string_view ns, std::string_view name, const DeleteOptions& o) const {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (o.precondition_uid) body["preconditions"]["uid"] = *o.precondition_uid;
  if (o.precondition_resource_version) body["preconditions"]["resourceVersion"] = *o.precondition_resource_version;
  auto result = request({.method = "DELETE", .path = r.object_path(ns, name), .body = body.dump()});
  if (!result) return std::unexpected(result.error());
  return {};
}

Result<Client> make_client(const Config& config) {
  auto transport = Transport::create(config);
  if (!transport) return std::unexpected(transport.error());
  return Client(std::move(*transport));
}

}  // namespace pave::kube
