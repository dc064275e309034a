#include "cli/get_command.h"

#include <iostream>

#include "cli/cluster_client.h"
#include "inspect/resource_tree.h"
#include "kube/yaml.h"

namespace pave::cli {

CLI::App* add_get_command(CLI::App& app, GetResourcesFlags& flags) {
  auto* get = app.add_subcommand("get", "show what Pave made of things");
  get->require_subcommand(1);
  auto* resources = get->add_subcommand(
      "resources", "a Promise's resource requests: their pipelines, Works, placements, Destinations and files in the state store");
  resources->add_option("promise", flags.promise, "the Promise")->required();
  resources->add_option("name", flags.name, "one request (default: every request)");
  resources->add_option("-n,--namespace", flags.namespace_, "the requests' namespace");
  resources->add_flag("-A,--all-namespaces", flags.all_namespaces, "requests of every namespace");
  resources->add_option("-o,--output", flags.output, "tree, json or yaml")->check(CLI::IsMember({"tree", "json", "yaml"}));
  resources->add_option("--kubeconfig", flags.kubeconfig, "the platform cluster (default: $KUBECONFIG, then ~/.kube/config)");
  return get;
}

int run_get_resources(const GetResourcesFlags& flags) {
  auto client = client_for(flags.kubeconfig);
  if (!client) {
    std::cerr << "pave: the platform cluster: " << client.error().message << "\n";
    return 2;
  }
  auto requests = inspect::gather(*client, {.promise = flags.promise, .name = flags.name,
                                            .namespace_ = flags.all_namespaces ? "" : flags.namespace_});
  if (!requests) {
    std::cerr << "pave: " << requests.error().message << "\n";
    return 1;
  }
  if (flags.output == "json") {
    std::cout << inspect::to_json(*requests).dump(2) << "\n";
  } else if (flags.output == "yaml") {
    std::cout << kube::to_yaml(inspect::to_json(*requests));
  } else {
    std::cout << inspect::render_tree(*requests);
  }
  return 0;
}

}  // namespace pave::cli
