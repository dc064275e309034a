// A thread-safe cache of objects by key ("namespace/name"), with secondary indexes.
//
// Objects are held as shared pointers to immutable JSON: readers get a snapshot that stays valid while
// the cache moves on, and never copy the object.
//
// A compact store holds each object as MessagePack bytes instead, about a fifth of the memory of a JSON
// tree (every member of which is a map node), and decodes it on each read: for caches of many objects
// that are read a few times each, such as Works and WorkPlacements.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/json.h"

namespace pave::kube {

using ObjectPtr = std::shared_ptr<const Json>;

// Maps an object to the index values it is found under (none: not indexed).
using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

class Store {
 public:
  explicit Store(bool compact = false) : compact_(compact) {}

  // Adds an index. Call before the store holds objects.
  void add_index(const std::string& name, IndexFunc fn);

  ObjectPtr get(const std::string& key) const;
  // The cached object's metadata.resourceVersion, or nothing when there is none; never decodes it.
  std::optional<std::string> resource_version(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_index(const std::string& index, const std::string& value) const;
  size_t size() const;

  // Inserts or replaces the object under its key and returns what was there before (or null).
  ObjectPtr upsert(ObjectPtr object);
  // Removes the object under key and returns it (or null).
  ObjectPtr erase(const std::string& key);

 private:
  // One cached object: the object itself, or (compact) its MessagePack bytes.
  struct Entry {
    ObjectPtr object;
    std::vector<std::uint8_t> packed;
    std::string resource_version;
  };
  Entry entry_for(ObjectPtr object) const;
  static ObjectPtr view(const Entry& entry);

  void index_locked(const std::string& key, const Json& object, bool add);

  const bool compact_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> objects_;
  std::map<std::string, IndexFunc> index_fns_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;  // index -> value -> keys
};

// Common indexes.
namespace indexes {
IndexFunc by_namespace();
IndexFunc by_label(std::string label);      // values of one label
IndexFunc by_owner_uid();                   // uids of ownerReferences
inline constexpr const char* kNamespace = "namespace";
inline constexpr const char* kOwnerUid = "owner-uid";
}  // namespace indexes

}  // namespace pave::kube
