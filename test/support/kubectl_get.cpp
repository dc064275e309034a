#include "support/kubectl_get.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/resource.h"
#include "kube/rest_mapper.h"
#include "support/jsonpath.h"

namespace pave::testing {
namespace {

using kube::Json;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One cluster's client and the names kubectl accepts for its resources (plural, singular, kind and
// short names, each also followed by .group), from aggregated discovery.
class Session {
 public:
  explicit Session(kube::Client client, std::string default_namespace)
      : client_(std::move(client)), default_namespace_(std::move(default_namespace)) {}

  const kube::Client& client() const { return client_; }
  const std::string& default_namespace() const { return default_namespace_; }

  // The resource kubectl would take `name` for; discovery is read again once when the name is unknown
  // (a CRD made since), at most once a second.
  std::optional<kube::Resource> resource(const std::string& name) {
    std::lock_guard lock(mu_);
    const std::string key = lower(name);
    if (auto it = by_name_.find(key); it != by_name_.end()) return it->second;
    if (std::chrono::steady_clock::now() - loaded_at_ < std::chrono::seconds(1)) return std::nullopt;
    if (!load()) return std::nullopt;
    if (auto it = by_name_.find(key); it != by_name_.end()) return it->second;
    return std::nullopt;
  }

 private:
  // kubectl takes a group's preferred version, and the first group serving a name.
  bool load() {
    loaded_at_ = std::chrono::steady_clock::now();
    auto discovered = kube::discover_resources(client_);
    if (!discovered) return false;
    std::map<std::string, kube::Resource> fresh;
    for (const auto& d : *discovered) {
      if (!d.preferred) continue;
      const kube::Resource& r = d.resource;
      std::vector<std::string> names{r.plural, d.singular, lower(r.kind)};
      names.insert(names.end(), d.short_names.begin(), d.short_names.end());
      for (const auto& n : names) {
        if (n.empty()) continue;
        fresh.emplace(n, r);
        if (!r.group.empty()) {
          fresh.emplace(n + "." + r.group, r);
          fresh.emplace(n + "." + r.version + "." + r.group, r);
        }
      }
    }
    by_name_ = std::move(fresh);
    return true;
  }

  kube::Client client_;
  const std::string default_namespace_;
  std::mutex mu_;
  std::map<std::string, kube::Resource> by_name_;
  std::chrono::steady_clock::time_point loaded_at_{};
};

// The sessions of this test process, one a kubeconfig (a cluster). Kept for the whole process, as
// kubectl's discovery cache is kept on disk: a test binary talks to a few clusters at most.
std::shared_ptr<Session> session_for(const std::string& kubeconfig) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Session>> sessions;
  std::lock_guard lock(mu);
  if (auto it = sessions.find(kubeconfig); it != sessions.end()) return it->second;
  auto config = kube::load_kubeconfig({.paths = {kubeconfig}});
  if (!config) return nullptr;
  config->qps = 0;          // kubectl does not throttle one request
  config->max_retries = 0;  // nor retry it: a test must see the failure kubectl would show
  auto client = kube::make_client(*config);
  if (!client) return nullptr;
  auto session = std::make_shared<Session>(std::move(*client), config->default_namespace);
  sessions.emplace(kubeconfig, session);
  return session;
}

struct GetArgs {
  std::string kind, name, ns, selector, jsonpath;
  bool all_namespaces = false;
};

// The arguments, when they are of a shape served here.
std::optional<GetArgs> parse(const std::vector<std::string>& args) {
  GetArgs out;
  size_t verb = 0;  // a namespace may come before the verb, as ClusterTest::kubectl puts it
  for (; verb + 1 < args.size() && (args[verb] == "-n" || args[verb] == "--namespace"); verb += 2) out.ns = args[verb + 1];
  if (verb >= args.size() || args[verb] != "get") return std::nullopt;
  std::vector<std::string> positional;
  std::optional<std::string> output;
  for (size_t i = verb + 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag, std::string& into) {
      if (a == flag && i + 1 < args.size()) {
        into = args[++i];
        return true;
      }
      return false;
    };
    std::string o;
    if (value("-n", out.ns) || value("--namespace", out.ns) || value("-l", out.selector) || value("--selector", out.selector)) continue;
    if (value("-o", o) || value("--output", o)) {
      output = o;
      continue;
    }
    if (a.starts_with("--namespace=")) out.ns = a.substr(12);
    else if (a.starts_with("--selector=")) out.selector = a.substr(11);
    else if (a.starts_with("-o=")) output = a.substr(3);
    else if (a.starts_with("--output=")) output = a.substr(9);
    else if (a == "-A" || a == "--all-namespaces") out.all_namespaces = true;
    else if (!a.empty() && a[0] != '-') positional.push_back(a);
    else return std::nullopt;
  }
  if (!output || !output->starts_with("jsonpath=") || positional.empty() || positional.size() > 2) return std::nullopt;
  out.jsonpath = output->substr(9);
  out.kind = positional[0];
  if (positional.size() == 2) out.name = positional[1];
  if (out.kind.find_first_of(",/") != std::string::npos || out.name.find('/') != std::string::npos) return std::nullopt;
  if (!out.name.empty() && (!out.selector.empty() || out.all_namespaces)) return std::nullopt;
  return out;
}

// kubectl's name for a resource in its messages: "pods", "promises.platform.kratix.io".
std::string qualified(const kube::Resource& r) { return r.group.empty() ? r.plural : r.plural + "." + r.group; }

}  // namespace

std::optional<base::ProcessOutput> kubectl_get_in_process(const std::string& kubeconfig, const std::vector<std::string>& args) {
  const auto get = parse(args);
  if (!get) return std::nullopt;
  const auto session = session_for(kubeconfig);
  if (!session) return std::nullopt;
  const auto resource = session->resource(get->kind);
  if (!resource) return std::nullopt;
  const std::string ns = !resource->namespaced || get->all_namespaces ? "" : get->ns.empty() ? session->default_namespace() : get->ns;
  Json root;
  if (!get->name.empty()) {
    auto object = session->client().get(*resource, ns, get->name);
    if (kube::is_not_found(object)) {
      return base::ProcessOutput{.exit_code = 1, .err = "Error from server (NotFound): " + qualified(*resource) + " \"" +
                                                        get->name + "\" not found\n"};
    }
    if (!object) return std::nullopt;
    root = std::move(*object);
  } else {
    auto list = session->client().list(*resource, ns, {.label_selector = get->selector});
    if (!list) return std::nullopt;
    root = {{"apiVersion", "v1"}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}, {"items", Json::array()}};
    for (auto& item : list->items) {
      item["apiVersion"] = resource->api_version();  // as kubectl fills them in
      item["kind"] = resource->kind;
      root["items"].push_back(std::move(item));
    }
  }
  auto text = evaluate_jsonpath(get->jsonpath, root);
  if (!text) return std::nullopt;
  return base::ProcessOutput{.exit_code = 0, .out = std::move(*text)};
}

}  // namespace pave::testing
