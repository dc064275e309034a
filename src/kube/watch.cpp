#include "kube/watch.h"

namespace pave::kube {
namespace {

bool parse_type(const std::string& s, WatchEventType& type) {
  if (s == "ADDED") type = WatchEventType::kAdded;
  else if (s == "MODIFIED") type = WatchEventType::kModified;
  else if (s == "DELETED") type = WatchEventType::kDeleted;
  else if (s == "BOOKMARK") type = WatchEventType::kBookmark;
  else if (s == "ERROR") type = WatchEventType::kError;
  else return false;
  return true;
}

std::string query(const WatchOptions& o) {
  std::string q = "?watch=1&timeoutSeconds=" + std::to_string(o.timeout_seconds);
  if (o.bookmarks) q += "&allowWatchBookmarks=true";
  if (!o.resource_version.empty()) q += "&resourceVersion=" + url_escape(o.resource_version);
  if (!o.label_selector.empty()) q += "&labelSelector=" + url_escape(o.label_selector);
  if (!o.field_selector.empty()) q += "&fieldSelector=" + url_escape(o.field_selector);
  return q;
}

}  // namespace

bool WatchDecoder::feed(std::string_view data, const std::function<void(WatchEvent&&)>& on_event) {
  pending_.append(data);
  size_t start = 0;
  for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    auto json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    WatchEvent event;
    if (!json.is_object() || !json.contains("type") || !json["type"].is_string() ||
        !parse_type(json["type"].get<std::string>(), event.type)) {
      pending_.clear();
      return false;
    }
    event.object = std::move(json["object"]);
    on_event(std::move(event));
  }
  pending_.erase(0, start);
  return true;
}

Status watch(const Client& client, const Resource& r, std::string_view ns, const WatchOptions& options,
             const std::function<bool(WatchEvent&&)>& on_event, const std::atomic<bool>& cancel) {
  WatchDecoder decoder;
  bool malformed = false;
  bool stopped = false;
  auto on_data = [&](std::string_view chunk) {
    malformed = !decoder.feed(chunk, [&](WatchEvent&& e) {
      if (!stopped && !on_event(std::move(e))) stopped = true;
    });
    return !malformed && !stopped;
  };
  HttpRequest request{.method = "GET",
                      .path = r.collection_path(ns) + query(options),
                      .accept = options.metadata_only ? kMetadataOnlyWatchAccept : "application/json",
                      .timeout = std::chrono::seconds(options.timeout_seconds + 30)};
  auto response = client.transport().stream(request, on_data, cancel);
  if (!response) return std::unexpected(response.error());
  if (response->status < 200 || response->status >= 300) {
    return std::unexpected(error_from_response(response->status, response->body));
  }
  if (malformed) return std::unexpected(make_error(ErrorKind::kDecode, "malformed watch event from " + r.plural));
  return {};
}

}  // namespace pave::kube
