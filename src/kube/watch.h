// Watch streams: one HTTP response carrying a sequence of JSON events, decoded as bytes arrive.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "kube/client.h"

namespace pave::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  WatchEventType type = WatchEventType::kError;
  Json object;  // the object; for kError a metav1.Status
};

// Splits a byte stream into newline-delimited JSON events. Feed it chunks of any size.
class WatchDecoder {
 public:
  // Calls on_event for each complete event in data (and any partial one left from before). Returns false
  // when a line is not a valid event; the stream is then unusable.
  bool feed(std::string_view data, const std::function<void(WatchEvent&&)>& on_event);

 private:
  std::string pending_;
};

struct WatchOptions {
  std::string resource_version;   // watch changes after this version
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 300;      // the server ends the watch after this long; callers watch again
  bool bookmarks = true;
  bool metadata_only = false;     // objects as PartialObjectMetadata
};

// Watches r until the server ends the stream, on_event returns false, or cancel becomes true. Events are
// delivered in order. A non-2xx answer (410 Gone when the version is too old) comes back as an Error;
// an ERROR event inside the stream is delivered to on_event like any other.
Status watch(const Client& client, const Resource& r, std::string_view ns, const WatchOptions& options,
             const std::function<bool(WatchEvent&&)>& on_event, const std::atomic<bool>& cancel);

}  // namespace pave::kube
