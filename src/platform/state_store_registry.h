// The open writer of every Ready state store, by kind and name. The state-store reconciler opens and
// replaces writers; the Destination and WorkPlacement reconcilers take them from here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "statestore/writer.h"

namespace pave::platform {

class StateStoreRegistry {
 public:
  // The writer for kind/name, or null when that store is not Ready.
  std::shared_ptr<statestore::Writer> get(const std::string& kind, const std::string& name) const;

  // The version key (generation and Secret resourceVersion) the current writer was opened for.
  std::string version(const std::string& kind, const std::string& name) const;

  // Also tells every on_opened listener, so whatever waited for the store can go on at once.
  void put(const std::string& kind, const std::string& name, const std::string& version,
           std::shared_ptr<statestore::Writer> writer);
  void erase(const std::string& kind, const std::string& name);

  // Calls listener(kind, name) whenever a writer is put (from the putting thread; it must not block).
  using OpenedListener = std::function<void(const std::string& kind, const std::string& name)>;
  void on_opened(OpenedListener listener);

 private:
  struct Entry {
    std::string version;
    std::shared_ptr<statestore::Writer> writer;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::vector<OpenedListener> listeners_;
};

}  // namespace pave::platform
