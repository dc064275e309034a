#include "platform/state_store_registry.h"

#include "kube/guard.h"

namespace pave::platform {

StateStoreRegistry::~StateStoreRegistry() {
  std::map<std::string, Entry> entries;
  {
    std::lock_guard lock(mu_);
    entries.swap(entries_);
  }
  for (auto& [key, entry] : entries) {
    if (entry.writer) kube::call_logged("closing a state store's writer", key, [&] { entry.writer->close(); });
  }
  std::vector<Closer> closers;
  {
    std::lock_guard lock(mu_);
    closers.swap(closers_);
  }
  closers.clear();  // joins the closing threads, which take mu_ only briefly
}

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
  const std::string key = kind + "/" + name;
  std::vector<OpenedListener> listeners;
  {
    std::lock_guard lock(mu_);
    if (writer && !drift_listeners_.empty()) {
      writer->on_drift([kind, name, drift = drift_listeners_](const std::vector<std::string>& paths) {
        for (const auto& listener : drift) listener(kind, name, paths);
      });
    }
    Entry& entry = entries_[key];
    if (entry.writer && entry.writer != writer) close_in_background(key, std::move(entry.writer), {});
    entry = {version, std::move(writer)};
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(kind, name);
}

void StateStoreRegistry::retire(const std::string& kind, const std::string& name, std::function<void()> on_closed) {
  const std::string key = kind + "/" + name;
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  std::shared_ptr<statestore::Writer> writer = std::move(it->second.writer);
  entries_.erase(it);
  if (writer) close_in_background(key, std::move(writer), std::move(on_closed));
}

bool StateStoreRegistry::closing(const std::string& kind, const std::string& name) const {
  std::lock_guard lock(mu_);
  return closing_.contains(kind + "/" + name);
}

void StateStoreRegistry::close_in_background(const std::string& key, std::shared_ptr<statestore::Writer> writer,
                                             std::function<void()> on_closed) {
  // Threads of writers closed earlier are joined here (they are done), so they do not pile up.
  std::erase_if(closers_, [](const Closer& c) { return c.done->load(); });
  closing_.insert(key);
  auto done = std::make_shared<std::atomic<bool>>(false);
  closers_.push_back({done, std::jthread([this, key, writer = std::move(writer), on_closed = std::move(on_closed), done]() mutable {
    kube::call_logged("closing a state store's writer", key, [&] { writer->close(); });
    writer.reset();  // whoever still holds it has only a closed writer
    {
      std::lock_guard lock(mu_);
      closing_.erase(closing_.find(key));
    }
    if (on_closed) kube::call_logged("waking a state store", key, on_closed);
    done->store(true);
  })});
}

void StateStoreRegistry::on_opened(OpenedListener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void StateStoreRegistry::on_drift(DriftListener listener) {
  std::lock_guard lock(mu_);
  drift_listeners_.push_back(std::move(listener));
}

}  // namespace pave::platform
