// A Git writer's cache directory: the bare clone of one store's branch, used by one writer at a time.
//
// Pave is killed at any moment (a crash, an eviction, a rollout), and a later writer opens the cache it
// left. What the killed process was doing can leave files behind that stop every later write: libgit2
// writes a ref through "<ref>.lock" and renames it over the ref, and refuses to update a ref whose lock
// exists. Such leftovers may only be removed by a writer that knows nothing else is writing there: so a
// writer first claims the directory, through a lock (flock) on a file beside it, which the git command of
// its first fetch also holds. A second Pave given the same cache directory, or a git fetch that outlived
// the Pave that started it, keeps the claim until it is done.
#pragma once

#include <string>

#include "base/file_lock.h"
#include "kube/error.h"

namespace pave::statestore {

// Claims dir for the calling writer, then removes what a killed owner left there: "*.lock" files (outside
// objects/, which holds no locks and many packs) and the git command's scratch directory (dir + ".fetch").
// Fails with kConflict, naming the directory, while someone else holds the claim. The claim lasts as long
// as the returned lock (and any child given its descriptor). On a filesystem without locks it warns and
// goes on unclaimed (the returned lock holds nothing).
kube::Result<base::FileLock> claim_git_cache(const std::string& dir);

}  // namespace pave::statestore
