#include "cli/destination_command.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "api/conditions.h"
#include "api/kratix.h"
#include "cli/cluster_client.h"
#include "gitops/destination_bootstrap.h"
#include "gitops/flux_crds.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/object.h"
#include "kube/rest_mapper.h"
#include "kube/yaml.h"

namespace pave::cli {
namespace {

using kube::Json;

// Reads the Destination, its state store and the store's Secret from the platform cluster.
std::expected<gitops::BootstrapInput, std::string> read_input(const kube::Client& platform, const std::string& name) {
  auto destination = platform.get(api::destinations(), "", name);
  if (!destination) return std::unexpected("Destination " + name + ": " + destination.error().message);
  const Json& ref = kube::child(kube::child(*destination, "spec"), "stateStoreRef");
  const std::string kind = kube::string_at(ref, "kind");
  const kube::Resource resource = kind == "BucketStateStore" ? api::bucket_state_stores() : api::git_state_stores();
  auto store = platform.get(resource, "", kube::string_at(ref, "name"));
  if (!store) return std::unexpected(kind + " " + kube::string_at(ref, "name") + ": " + store.error().message);
  (*store)["kind"] = resource.kind;
  gitops::BootstrapInput input{.destination = std::move(*destination), .store = std::move(*store)};
  const Json& secret_ref = kube::child(kube::child(input.store, "spec"), "secretRef");
  if (const std::string secret = kube::string_at(secret_ref, "name"); !secret.empty()) {
    std::string ns = kube::string_at(secret_ref, "namespace");
    auto fetched = platform.get(kube::resources::secrets(), ns.empty() ? "default" : ns, secret);
    if (!fetched) return std::unexpected("Secret " + ns + "/" + secret + ": " + fetched.error().message);
    input.secret = std::move(*fetched);
  }
  return input;
}

std::expected<std::vector<Json>, std::string> flux_crds() {
  auto docs = kube::parse_yaml_documents(gitops::flux_crds_yaml());
  if (!docs) return std::unexpected("Flux's CRDs: " + docs.error().message);
  return std::move(*docs);
}

bool established(const kube::Client& client, const std::string& crd) {
  auto got = client.get(kube::resources::custom_resource_definitions(), "", crd);
  const Json* c = got ? api::find_condition(*got, "Established") : nullptr;
  return c && kube::string_at(*c, "status") == "True";
}

// The resource serving object's kind. Right after a CRD becomes Established, discovery may not list its
// kind yet: the mapper refreshes (at most once a second) until it does, for up to 30 s.
kube::Result<kube::Resource> resource_for(kube::RestMapper& mapper, const Json& object) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto resource = mapper.resource_for(object);
    if (resource || !kube::is_not_found(resource) || std::chrono::steady_clock::now() > deadline) return resource;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Waits until the CRD named name is Established.
bool wait_established(const kube::Client& client, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!established(client, name)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

// Server-side applies objects in order. A CRD the cluster already has is left alone (Flux may be installed
// there at another version); a new one is waited for until Established, so the objects of its kinds that
// follow are served.
int apply_all(const kube::Client& client, const std::vector<Json>& objects) {
  kube::RestMapper mapper(client);
  for (const auto& object : objects) {
    const std::string kind = object.value("kind", ""), name = kube::meta::name(object);
    const bool crd = kind == "CustomResourceDefinition";
    if (crd && client.get(kube::resources::custom_resource_definitions(), "", name)) {
      std::cout << kind << " " << name << " exists, left as it is\n";
      continue;
    }
    auto resource = resource_for(mapper, object);
    if (!resource) {
      std::cerr << "pave: " << kind << ": " << resource.error().message << "\n";
      return 1;
    }
    auto applied = client.apply(*resource, object, {.field_manager = "pave-bootstrap", .force = true});
    if (!applied) {
      std::cerr << "pave: applying " << kind << " " << name << ": " << applied.error().message << "\n";
      return 1;
    }
    std::cout << kind << " " << name << " applied\n";
    if (crd && !wait_established(client, name)) {
      std::cerr << "pave: CRD " << name << " is not Established after 60 s\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

CLI::App* add_destination_command(CLI::App& app, DestinationBootstrapFlags& flags) {
  auto* destination = app.add_subcommand("destination", "work with Destinations");
  destination->require_subcommand(1);
  auto* bootstrap = destination->add_subcommand(
      "bootstrap", "print (or apply with --kubeconfig) what a destination cluster needs to pull its Destination's "
                   "files: Flux's CRDs, the source and its Secret, and the Kustomizations (or Argo CD Applications)");
  bootstrap->add_option("name", flags.name, "the Destination")->required();
  bootstrap->add_option("--platform-kubeconfig", flags.platform_kubeconfig,
                        "the platform cluster holding the Destination (default: $KUBECONFIG, then ~/.kube/config)");
  bootstrap->add_option("--kubeconfig", flags.kubeconfig, "apply to this destination cluster instead of printing");
  bootstrap->add_flag("--argocd", flags.argocd, "Argo CD Applications instead of Flux (Git stores only)");
  bootstrap->add_flag("--no-crds", flags.no_crds,
                      "leave Flux's CRDs out (when applying, CRDs the cluster has already are left alone anyway)");
  bootstrap->add_option("--namespace", flags.namespace_, "namespace of the objects (default flux-system, or argocd)");
  bootstrap->add_option("--interval", flags.interval, "how often the agent looks at the state store (Go duration)");
  return destination;
}

int run_destination_bootstrap(const DestinationBootstrapFlags& flags) {
  auto platform = client_for(flags.platform_kubeconfig);
  if (!platform) {
    std::cerr << "pave: the platform cluster: " << platform.error().message << "\n";
    return 2;
  }
  auto input = read_input(*platform, flags.name);
  if (!input) {
    std::cerr << "pave: " << input.error() << "\n";
    return 1;
  }
  gitops::BootstrapOptions options{.agent = flags.argocd ? gitops::Agent::kArgoCD : gitops::Agent::kFlux,
                                   .namespace_ = flags.namespace_, .interval = flags.interval};
  auto objects = gitops::bootstrap_objects(*input, options);
  if (!objects) {
    std::cerr << "pave: " << objects.error() << "\n";
    return 1;
  }
  if (!flags.argocd && !flags.no_crds) {
    auto crds = flux_crds();
    if (!crds) {
      std::cerr << "pave: " << crds.error() << "\n";
      return 1;
    }
    objects->insert(objects->begin(), crds->begin(), crds->end());
  }
  if (flags.kubeconfig.empty()) {
    std::cout << kube::to_yaml_documents(*objects);
    return 0;
  }
  auto destination = client_for(flags.kubeconfig);
  if (!destination) {
    std::cerr << "pave: the destination cluster: " << destination.error().message << "\n";
    return 2;
  }
  return apply_all(*destination, *objects);
}

}  // namespace pave::cli
