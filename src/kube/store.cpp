#include "kube/store.h"

#include <mutex>

#include "kube/object.h"

namespace pave::kube {

Store::Entry Store::entry_for(ObjectPtr object) const {
  std::string version = meta::resource_version(*object);
  if (!compact_) return {.object = std::move(object), .packed = {}, .resource_version = std::move(version)};
  Entry e{.object = nullptr, .packed = Json::to_msgpack(*object), .resource_version = std::move(version)};
  e.packed.shrink_to_fit();
  return e;
}

ObjectPtr Store::view(const Entry& entry) {
  if (entry.object) return entry.object;
  return std::make_shared<const Json>(Json::from_msgpack(entry.packed));
}

void Store::add_index(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  index_fns_[name] = std::move(fn);
  auto& index = indexes_[name];
  index.clear();
  for (const auto& [key, entry] : objects_) {
    for (const auto& value : index_fns_[name](*view(entry))) index[value].insert(key);
  }
}

ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : view(it->second);
}

std::optional<std::string> Store::resource_version(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second.resource_version;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, entry] : objects_) out.push_back(view(entry));
  return out;
}

std::vector<ObjectPtr> Store::by_index(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(view(it->second));
  }
  return out;
}

size_t Store::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

void Store::index_locked(const std::string& key, const Json& object, bool add) {
  for (const auto& [name, fn] : index_fns_) {
    auto& index = indexes_[name];
    for (const auto& value : fn(object)) {
      if (add) {
        index[value].insert(key);
      } else if (auto it = index.find(value); it != index.end()) {
        it->second.erase(key);
        if (it->second.empty()) index.erase(it);
      }
    }
  }
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const std::string key = meta::key(*object);
  Entry entry = entry_for(object);  // encoded outside the lock
  std::unique_lock lock(mu_);
  ObjectPtr previous;
  if (auto it = objects_.find(key); it != objects_.end()) {
    previous = view(it->second);
    index_locked(key, *previous, false);
  }
  index_locked(key, *object, true);
  objects_[key] = std::move(entry);
  return previous;
}

ObjectPtr Store::erase(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = view(it->second);
  objects_.erase(it);
  index_locked(key, *previous, false);
  return previous;
}

namespace indexes {

IndexFunc by_namespace() {
  return [](const Json& o) { return std::vector<std::string>{meta::namespace_of(o)}; };
}

IndexFunc by_label(std::string label) {
  return [label = std::move(label)](const Json& o) {
    auto labels = meta::labels(o);
    auto it = labels.find(label);
    return it == labels.end() ? std::vector<std::string>{} : std::vector<std::string>{it->second};
  };
}

IndexFunc by_owner_uid() {
  return [](const Json& o) {
    std::vector<std::string> uids;
    auto m = o.find("metadata");
    if (m == o.end() || !m->is_object()) return uids;
    auto refs = m->find("ownerReferences");
    if (refs == m->end() || !refs->is_array()) return uids;
    for (const auto& ref : *refs) {
      if (ref.is_object() && ref.contains("uid") && ref["uid"].is_string()) uids.push_back(ref["uid"].get<std::string>());
    }
    return uids;
  };
}

}  // namespace indexes
}  // namespace pave::kube
