// The first fetch of a Git state store into an empty cache, made by the git command in a child process.
//
// libgit2 1.5 indexes a fetched pack in the calling process (a 1 GB repository took this process to 1.6 GB)
// and has no shallow fetch; git's index-pack streams, and whatever it needs is the child's memory, gone
// when it exits. Later fetches are small and stay in libgit2. Credentials reach the child through its
// environment and files only this user can read, never its command line; TLS is verified as the writer
// does (the system's CAs plus the store's), ssh hosts against the store's knownHosts only.
#pragma once

#include <chrono>
#include <string>

#include "statestore/git_writer.h"

namespace pave::statestore {

// Fetches config's branch into the bare repository at repo_dir as refs/remotes/origin/<branch>. An error
// carries git's redacted message; the caller may fall back to fetching with libgit2. The git command and
// its children hold cache_claim_fd, the caller's claim on repo_dir (git_cache.h): a fetch that outlives a
// killed Pave keeps the cache from the next writer until it ends.
kube::Status fetch_with_git_command(const GitConfig& config, const std::string& repo_dir, std::chrono::seconds timeout,
                                    int cache_claim_fd);

}  // namespace pave::statestore
