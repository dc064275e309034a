// A state store as Pave's controllers write to it: changes that each replace what one WorkPlacement put in
// the store, submitted from any thread and written in batches.
//
//   auto done = writer.submit({.placement = "redis.worker-1-5058f",
//                              .replace_directories = {"worker-1/resources/default/redis/r1/configure/5058f"},
//                              .files = {{"worker-1/resources/default/redis/r1/configure/5058f/cm.yaml", yaml}}});
//   auto written = done.get();   // once the remote has it: the version (a commit SHA for Git)
//
// A Writer keeps every pending change for its store and writes them together: for Git one commit and one
// push per batch, so the cost of a write grows with what changed, not with the number of WorkPlacements
// or the size of the repository.
#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "kube/error.h"

namespace pave::statestore {

struct File {
  std::string path;     // relative to the store's root (its spec.path is added by the writer)
  std::string content;
};

// What one WorkPlacement's files should be now. Paths must stay inside the store: no "..", not absolute.
struct Change {
  std::string placement;                          // named in commit messages
  // What a later change replaces while both wait to be written: one of the same key. The placement's name
  // when empty; the canary files of every Destination are "kratix-canary" in commit messages (Kratix's
  // name) but each Destination's own key.
  std::string key;
  std::vector<std::string> replace_directories;   // everything under these is removed unless rewritten
  std::vector<std::string> remove_files;          // removed unless rewritten
  std::vector<File> files;                        // written
};

struct WriteResult {
  std::string version;  // Git: the commit the remote branch points at after the write
  bool changed = false; // false when the store already held exactly this
};

class Writer {
 public:
  virtual ~Writer() = default;

  using OnWritten = std::function<void(kube::Result<WriteResult>)>;

  // Queues a change; on_written is called once it is on the remote (or failed), on the writer's own
  // thread, so it must be quick and must not wait for another write. Changes of the same key (the same
  // placement) submitted before a batch is written are folded: the last one wins, and every caller is told.
  virtual void submit(Change change, OnWritten on_written) = 0;

  // The same, for a caller that waits: the future is ready once the change is on the remote.
  std::future<kube::Result<WriteResult>> submit(Change change);

  // A file's content as the store has it now, or nothing if there is no such file.
  virtual kube::Result<std::optional<std::string>> read_file(const std::string& path) = 0;

  // Called with the paths (relative to the store's root, as changes name them) that someone other than
  // this writer added, changed or removed, when the writer next reads the remote after they did: files
  // of placements already written may be gone, so their placements should be written again. Called on
  // the writer's thread (quick, never waiting for a write). Stores that cannot tell never call it.
  using OnDrift = std::function<void(const std::vector<std::string>& paths)>;
  virtual void on_drift(OnDrift listener) { (void)listener; }

  // Reads the remote again soon, on the writer's thread, so that changes made behind its back reach the
  // drift listener even while nothing is being written. A no-op for stores that cannot tell.
  virtual void refresh() {}

  // Writes what is pending, then lets go of everything the writer holds (a Git writer its cache
  // directory, which the store's next writer may then open). Later submits fail with kTransient, later
  // reads with an error. May block for as long as the last write takes.
  virtual void close() {}
};

// The error of a writer closed under its caller (the store's writer replaced or removed): not a failure to
// report but a reason to try again with the store's next writer.
kube::Error writer_closed_error();
bool is_writer_closed(const kube::Error& e);

// Whether a path from a user-controlled name stays inside the store: relative, no ".." segment, not empty.
bool contained_path(const std::string& path);

// The InvalidInput error for a change with a path that leaves the store, or nothing when all paths stay.
std::optional<kube::Error> check_paths(const Change& change);

// Whether a store's prefix (its spec.path) stays inside the repository or bucket: no ".." that climbs
// above the root ("a/../b" is "b", as in Kratix). A leading "/" is allowed: it means the root.
bool contained_prefix(const std::string& prefix);

// path under the store's prefix (its spec.path), as Go's path.Join would clean it: empty and "."
// segments dropped (so "", ".", "/" and "./" all mean the root), ".." taking the segment before it, names
// starting with a dot kept. A ".." that would climb out of the root (or path's out of the prefix) is
// dropped. A trailing "/" of a path naming something under the prefix is kept, for listings.
std::string store_path(const std::string& prefix, const std::string& path);

}  // namespace pave::statestore
