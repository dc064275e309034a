// An informer keeps a local cache of one resource in step with the API server and tells handlers what
// changed.
//
//   Informer pods(client, resources::pods(), {.namespace_ = "team-a"});
//   pods.add_handler({.on_add = [&](const ObjectPtr& p) { queue.add(meta::key(*p)); }});
//   pods.start();
//   pods.wait_for_sync(30s);
//   auto p = pods.store().get("team-a/web-0");
//
// It lists, then watches from the list's resourceVersion, and watches again from the last version it saw
// whenever the stream ends or breaks. When that version is too old (410 Gone, after an etcd compaction),
// it lists afresh and tells handlers only the difference from its cache, so no change is lost or told
// twice. Handlers run one at a time on the informer's thread and must not block: they enqueue work.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/store.h"
#include "kube/watch.h"

namespace pave::kube {

struct InformerOptions {
  std::string namespace_;                       // "": all namespaces
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds resync_period{0};   // >0: on_update(obj, obj) for every object this often
  bool metadata_only = false;                   // cache PartialObjectMetadata only (names, labels, owners)
  bool strip_managed_fields = true;             // drop metadata.managedFields before caching
  bool compact_cache = false;                   // cache MessagePack bytes, decoded per read (see store.h)
  int64_t list_page_size = 500;
};

struct EventHandler {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
};

class Informer {
 public:
  Informer(Client client, Resource resource, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Adds an index to the cache. Call before start().
  void add_index(const std::string& name, IndexFunc fn) { store_.add_index(name, std::move(fn)); }

  // Adds a handler. One added after the cache has synced first receives on_add for every cached object.
  void add_handler(EventHandler handler);

  void start();
  // Tells the informer's threads to stop, without waiting (a watch notices within about a second).
  void request_stop();
  // Stops and waits for the threads. Stopping many informers: request_stop() all, then stop() each.
  void stop();

  bool has_synced() const { return synced_.load(); }
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  const Store& store() const { return store_; }
  const Resource& resource() const { return resource_; }
  const InformerOptions& options() const { return options_; }

  // What the informer has done so far, for tests and metrics.
  struct Stats {
    int lists = 0;
    int watches = 0;
    int gone = 0;  // times a watch was refused as too old and a fresh list followed
  };
  Stats stats() const;

 private:
  void run();
  void run_resync();
  Status list_and_replace();
  Status watch_once();
  bool apply(WatchEvent&& event);
  ObjectPtr prepare(Json&& object) const;
  void dispatch_add(const ObjectPtr& o);
  void dispatch_update(const ObjectPtr& old_object, const ObjectPtr& new_object);
  void dispatch_delete(const ObjectPtr& o);
  bool sleep_unless_stopped(std::chrono::milliseconds d);

  Client client_;
  const Resource resource_;
  const InformerOptions options_;
  Store store_;

  std::mutex handlers_mu_;  // held while dispatching, so handlers see events in order, one at a time
  std::vector<EventHandler> handlers_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  mutable std::mutex state_mu_;
  mutable std::condition_variable state_cv_;
  std::string last_version_;
  bool need_list_ = true;
  Stats stats_;
  std::thread thread_;
  std::thread resync_thread_;
};

}  // namespace pave::kube
