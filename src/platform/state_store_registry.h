// The open writer of every Ready state store, by kind and name. The state-store reconciler opens and
// replaces writers; the Destination and WorkPlacement reconcilers take them from here.
//
// A writer leaves by retire(): it is taken out at once, so no one new gets it, and closed on a thread of
// its own, where its pending changes are written before it lets go of its cache directory. Nothing waits
// for that under the registry's lock or on the caller's thread, so one store's slow remote never holds up
// another's reconciles; and closing(kind, name) tells the reconciler not to open the store's next writer
// on the same directory until the last one is done with it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "statestore/writer.h"

namespace pave::platform {

class StateStoreRegistry {
 public:
  StateStoreRegistry() = default;
  // Closes every writer still here and waits for those closing.
  ~StateStoreRegistry();
  StateStoreRegistry(const StateStoreRegistry&) = delete;
  StateStoreRegistry& operator=(const StateStoreRegistry&) = delete;

  // The writer for kind/name, or null when that store is not Ready.
  std::shared_ptr<statestore::Writer> get(const std::string& kind, const std::string& name) const;

  // The version key (generation and Secret resourceVersion) the current writer was opened for.
  std::string version(const std::string& kind, const std::string& name) const;

  // Also tells every on_opened listener, so whatever waited for the store can go on at once. A writer
  // already there for kind/name is retired.
  void put(const std::string& kind, const std::string& name, const std::string& version,
           std::shared_ptr<statestore::Writer> writer);

  // Takes kind/name's writer out and closes it in the background; on_closed (if any) runs once it is
  // closed, on that thread. Does nothing when there is no writer.
  void retire(const std::string& kind, const std::string& name, std::function<void()> on_closed = {});

  // Whether a writer of kind/name taken out by retire() is still closing.
  bool closing(const std::string& kind, const std::string& name) const;

  // Calls listener(kind, name) whenever a writer is put (from the putting thread; it must not block).
  using OpenedListener = std::function<void(const std::string& kind, const std::string& name)>;
  void on_opened(OpenedListener listener);

  // Calls listener(kind, name, paths) whenever a writer put here later finds files of its store changed
  // behind its back (Writer::on_drift; on the writer's thread, so it must be quick). Add before any put.
  using DriftListener = std::function<void(const std::string& kind, const std::string& name,
                                           const std::vector<std::string>& paths)>;
  void on_drift(DriftListener listener);

 private:
  struct Entry {
    std::string version;
    std::shared_ptr<statestore::Writer> writer;
  };
  struct Closer {
    std::shared_ptr<std::atomic<bool>> done;
    std::jthread thread;
  };
  // Starts closing writer (taken out of entries_ by the caller, under mu_).
  void close_in_background(const std::string& key, std::shared_ptr<statestore::Writer> writer, std::function<void()> on_closed);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::multiset<std::string> closing_;
  std::vector<OpenedListener> listeners_;
  std::vector<DriftListener> drift_listeners_;
  std::vector<Closer> closers_;
};

}  // namespace pave::platform
