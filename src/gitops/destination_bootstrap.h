// What a destination cluster needs to pull its Destination's files from the state store: the objects
// `pave destination bootstrap` prints or applies.
//
// Pave, like Kratix, never talks to a destination cluster: a GitOps agent there reads the Destination's
// directory of the state store. With Flux that is a source (a GitRepository, or a Bucket for a
// BucketStateStore) with the store's credentials in a Secret, and two Kustomizations, dependencies first and
// resources after them, as Kratix's documentation lays them out for the nestedByMetadata layout (one
// Kustomization of the whole directory for the other layouts). With Argo CD it is a repository Secret and
// one Application per directory (Git stores only: Argo CD cannot read buckets).
//
// Objects are named after the Destination (kratix-<destination>...), so one cluster can pull several.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "kube/json.h"

namespace pave::gitops {

enum class Agent { kFlux, kArgoCD };

struct BootstrapOptions {
  Agent agent = Agent::kFlux;
  std::string namespace_;    // where the objects go; empty: flux-system, or argocd
  std::string interval = "1m";  // how often the source is polled and the Kustomizations reapplied
};

// What was read from the platform cluster.
struct BootstrapInput {
  kube::Json destination;  // the Destination
  kube::Json store;        // its GitStateStore or BucketStateStore (kind set)
  kube::Json secret;       // the store's Secret (data base64-encoded as the API serves it); null if none
};

// The objects, in the order they are to be applied. An error says what is missing or unsupported.
std::expected<std::vector<kube::Json>, std::string> bootstrap_objects(const BootstrapInput& input,
                                                                      const BootstrapOptions& options);

// The Destination's directory in its store's repository or bucket, exactly where Pave's writers put its
// files: the store's spec.path, then the Destination's spec.path ("", "." and "/" meaning the store's path
// itself); "" for the root. An error for a path that would leave the store.
std::expected<std::string, std::string> destination_directory(const kube::Json& destination, const kube::Json& store);

// An ssh URL as Flux wants it: scp-like "git@host:org/repo.git" becomes "ssh://git@host/org/repo.git";
// other URLs are returned as they are.
std::string flux_git_url(const std::string& url);

}  // namespace pave::gitops
