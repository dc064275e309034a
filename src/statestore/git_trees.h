// A commit's tree built from the previous one with a batch of changes applied: only the changed paths are
// touched (libgit2's git_tree_create_updated), with no working tree and no index, so the cost of a write
// grows with what changed, not with the size of the repository.
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "kube/error.h"
#include "statestore/writer.h"

namespace pave::statestore {

// The tree of base (null: an empty repository) with every change applied under prefix (the store's path):
// per path the last change wins; a replaced directory loses whatever its change does not rewrite. New
// blobs go to repo's object database.
kube::Result<git_oid> tree_with_changes(git_repository* repo, git_tree* base, const std::string& prefix,
                                        const std::vector<const Change*>& changes);

// The files that differ between the trees of commits from and to (either null: an empty tree) under
// prefix, as paths relative to prefix: added, removed, changed or renamed (both names), each once.
kube::Result<std::vector<std::string>> paths_between(git_repository* repo, const git_oid* from, const git_oid* to,
                                                     const std::string& prefix);

}  // namespace pave::statestore
