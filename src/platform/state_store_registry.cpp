#include "platform/state_store_registry.h"

namespace pave::platform {

std::shared_ptr<statestore::Writer> StateStoreRegistry::get(const std::string& kind, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(kind + "/" + name);
  return it == entries_.end() ? nullptr : it->second.writer;
}

std::string StateStoreRegistry::version(const std::string& kind, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(kind + "/" + name);
  return it == entries_.end() ? "" : it->second.version;
}

void StateStoreRegistry::put(const std::string& kind, const std::string& name, const std::string& version,
                             std::shared_ptr<statestore::Writer> writer) {
  std::vector<OpenedListener> listeners;
  {
    std::lock_guard lock(mu_);
    entries_[kind + "/" + name] = {version, std::move(writer)};
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(kind, name);
}

void StateStoreRegistry::on_opened(OpenedListener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void StateStoreRegistry::erase(const std::string& kind, const std::string& name) {
  std::lock_guard lock(mu_);
  entries_.erase(kind + "/" + name);
}

}  // namespace pave::platform
