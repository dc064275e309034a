#include "gitops/destination_bootstrap.h"

#include <utility>

#include "base/encoding.h"
#include "kube/object.h"
#include "statestore/layout.h"
#include "statestore/writer.h"

namespace pave::gitops {
namespace {

using kube::Json;

// The store Secret's keys (Kratix's, and Pave's ca.crt) and the names Flux's sources read them under.
struct KeyMap {
  const char* store_key;
  const char* agent_key;
};
constexpr KeyMap kFluxGitBasic[] = {{"username", "username"}, {"password", "password"}, {"ca.crt", "ca.crt"}};
constexpr KeyMap kFluxGitSsh[] = {{"sshPrivateKey", "identity"}, {"knownHosts", "known_hosts"}};
constexpr KeyMap kFluxGitHubApp[] = {{"appID", "githubAppID"}, {"installationID", "githubAppInstallationID"},
                                     {"privateKey", "githubAppPrivateKey"}, {"apiURL", "githubAppBaseURL"},
                                     {"ca.crt", "ca.crt"}};
constexpr KeyMap kFluxBucket[] = {{"accessKeyID", "accesskey"}, {"secretAccessKey", "secretkey"}, {"ca.crt", "ca.crt"}};
// Argo CD's repository Secret (argocd.argoproj.io/secret-type: repository).
constexpr KeyMap kArgoGitBasic[] = {{"username", "username"}, {"password", "password"}};
constexpr KeyMap kArgoGitSsh[] = {{"sshPrivateKey", "sshPrivateKey"}};
constexpr KeyMap kArgoGitHubApp[] = {{"appID", "githubAppID"}, {"installationID", "githubAppInstallationID"},
                                     {"privateKey", "githubAppPrivateKey"}, {"apiURL", "githubAppEnterpriseBaseUrl"}};

std::string spec_string(const Json& object, const char* key, const std::string& fallback = "") {
  const std::string v = kube::string_at(kube::child(object, "spec"), key);
  return v.empty() ? fallback : v;
}

// Copies the keys the store's Secret has (still base64-encoded) under the agent's names.
template <size_t N>
Json secret_data(const Json& secret, const KeyMap (&keys)[N]) {
  const Json& data = kube::child(secret, "data");
  Json out = Json::object();
  for (const auto& k : keys) {
    if (const std::string v = kube::string_at(data, k.store_key); !v.empty()) out[k.agent_key] = v;
  }
  return out;
}

Json object(const char* api_version, const char* kind, const std::string& name, const std::string& ns) {
  Json o = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  o["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "pave"}};
  return o;
}

Json secret(const std::string& name, const std::string& ns, Json data) {
  Json s = object("v1", "Secret", name, ns);
  s["type"] = "Opaque";
  s["data"] = std::move(data);
  return s;
}

std::string relative(const std::string& directory) { return directory.empty() ? "./" : "./" + directory; }

// The Flux source of a Git store: a GitRepository and its Secret.
std::expected<std::vector<Json>, std::string> flux_git_source(const BootstrapInput& in, const std::string& name,
                                                              const std::string& ns, const std::string& interval) {
  const std::string method = spec_string(in.store, "authMethod", "basicAuth");
  Json repo = object("source.toolkit.fluxcd.io/v1", "GitRepository", name, ns);
  repo["spec"] = {{"url", flux_git_url(spec_string(in.store, "url"))}, {"interval", interval},
                  {"ref", {{"branch", spec_string(in.store, "branch", "main")}}}};
  Json data;
  if (method == "ssh") {
    data = secret_data(in.secret, kFluxGitSsh);
  } else if (method == "githubApp") {
    data = secret_data(in.secret, kFluxGitHubApp);
    repo["spec"]["provider"] = "github";
  } else if (method == "basicAuth") {
    data = secret_data(in.secret, kFluxGitBasic);
  } else {
    return std::unexpected("GitStateStore " + kube::meta::name(in.store) + " has authMethod " + method +
                           ", which Pave does not know");
  }
  std::vector<Json> out;
  if (!data.empty()) {
    out.push_back(secret(name + "-credentials", ns, std::move(data)));
    repo["spec"]["secretRef"] = {{"name", name + "-credentials"}};
  }
  out.push_back(std::move(repo));
  return out;
}

// The Flux source of a bucket store: a Bucket and its Secret.
std::vector<Json> flux_bucket_source(const BootstrapInput& in, const std::string& name, const std::string& ns,
                                     const std::string& interval) {
  const Json& spec = kube::child(in.store, "spec");
  Json bucket = object("source.toolkit.fluxcd.io/v1", "Bucket", name, ns);
  bucket["spec"] = {{"bucketName", spec_string(in.store, "bucketName")}, {"endpoint", spec_string(in.store, "endpoint")},
                    {"interval", interval}, {"provider", "generic"}};
  if (spec.value("insecure", false)) bucket["spec"]["insecure"] = true;
  std::vector<Json> out;
  if (spec_string(in.store, "authMethod", "accessKey") == "IAM") {
    bucket["spec"]["provider"] = "aws";  // credentials from the destination's own identity
  } else {
    // Flux's bucket client refuses a secretRef without both keys; a CA alone goes in by certSecretRef.
    Json data = secret_data(in.secret, kFluxBucket);
    const bool has_keys = data.contains("accesskey") && data.contains("secretkey");
    const bool has_ca = data.contains("ca.crt");
    if (has_keys || has_ca) out.push_back(secret(name + "-credentials", ns, std::move(data)));
    if (has_keys) bucket["spec"]["secretRef"] = {{"name", name + "-credentials"}};
    if (has_ca) bucket["spec"]["certSecretRef"] = {{"name", name + "-credentials"}};
  }
  out.push_back(std::move(bucket));
  return out;
}

Json kustomization(const std::string& name, const std::string& ns, const Json& source_ref, const std::string& path,
                   const std::string& interval) {
  Json k = object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", name, ns);
  k["spec"] = {{"interval", interval}, {"prune", true}, {"sourceRef", source_ref}, {"path", path},
               {"retryInterval", "10s"}};
  return k;
}

bool nested(const Json& destination) {
  const std::string mode = kube::string_at(kube::child(kube::child(destination, "spec"), "filepath"), "mode");
  return mode.empty() || mode == "nestedByMetadata";
}

std::expected<std::vector<Json>, std::string> flux_objects(const BootstrapInput& in, const BootstrapOptions& o) {
  const std::string ns = o.namespace_.empty() ? "flux-system" : o.namespace_;
  const std::string name = "kratix-" + kube::meta::name(in.destination);
  const bool git = in.store.value("kind", "") == "GitStateStore";
  std::vector<Json> out{{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}};
  if (git) {
    auto source = flux_git_source(in, name, ns, o.interval);
    if (!source) return std::unexpected(source.error());
    out.insert(out.end(), source->begin(), source->end());
  } else {
    auto source = flux_bucket_source(in, name, ns, o.interval);
    out.insert(out.end(), source.begin(), source.end());
  }
  const Json source_ref = {{"kind", git ? "GitRepository" : "Bucket"}, {"name", name}};
  auto directory = destination_directory(in.destination, in.store);
  if (!directory) return std::unexpected(directory.error());
  const std::string& dir = *directory;
  if (!nested(in.destination)) {
    // The none layout keeps a list of what each placement wrote in .kratix/: not objects to apply.
    out.back()["spec"]["ignore"] = ".kratix/\n";
    out.push_back(kustomization(name, ns, source_ref, relative(dir), o.interval));
    return out;
  }
  const std::string base = dir.empty() ? "" : dir + "/";
  out.push_back(kustomization(name + "-dependencies", ns, source_ref, relative(base + "dependencies"), o.interval));
  Json resources = kustomization(name + "-resources", ns, source_ref, relative(base + "resources"), o.interval);
  resources["spec"]["dependsOn"] = Json::array({{{"name", name + "-dependencies"}}});
  out.push_back(std::move(resources));
  return out;
}

Json application(const std::string& name, const std::string& ns, const Json& store, const std::string& path) {
  Json app = object("argoproj.io/v1alpha1", "Application", name, ns);
  app["spec"] = {
      {"project", "default"},
      {"source", {{"repoURL", spec_string(store, "url")}, {"targetRevision", spec_string(store, "branch", "main")},
                  {"path", path.empty() ? "." : path}, {"directory", {{"recurse", true}}}}},
      {"destination", {{"server", "https://kubernetes.default.svc"}}},
      // A resources Application that syncs before the dependencies one made its namespaces tries again.
      {"syncPolicy", {{"automated", {{"prune", true}, {"selfHeal", true}}},
                      {"retry", {{"limit", 10}, {"backoff", {{"duration", "5s"}, {"factor", 2}, {"maxDuration", "3m"}}}}}}}};
  return app;
}

std::expected<std::vector<Json>, std::string> argocd_objects(const BootstrapInput& in, const BootstrapOptions& o) {
  if (in.store.value("kind", "") != "GitStateStore") {
    return std::unexpected("Destination " + kube::meta::name(in.destination) +
                           " uses a BucketStateStore, which Argo CD cannot read; bootstrap it with Flux instead");
  }
  const std::string ns = o.namespace_.empty() ? "argocd" : o.namespace_;
  const std::string name = "kratix-" + kube::meta::name(in.destination);
  const std::string method = spec_string(in.store, "authMethod", "basicAuth");
  Json data = method == "ssh" ? secret_data(in.secret, kArgoGitSsh)
              : method == "githubApp" ? secret_data(in.secret, kArgoGitHubApp)
                                      : secret_data(in.secret, kArgoGitBasic);
  data["type"] = base::base64_encode("git");
  data["url"] = base::base64_encode(spec_string(in.store, "url"));
  Json repo = secret(name + "-repository", ns, std::move(data));
  repo["metadata"]["labels"]["argocd.argoproj.io/secret-type"] = "repository";
  auto directory = destination_directory(in.destination, in.store);
  if (!directory) return std::unexpected(directory.error());
  const std::string& dir = *directory;
  std::vector<Json> out{std::move(repo)};
  if (!nested(in.destination)) {
    out.push_back(application(name, ns, in.store, dir));
    return out;
  }
  const std::string base = dir.empty() ? "" : dir + "/";
  out.push_back(application(name + "-dependencies", ns, in.store, base + "dependencies"));
  out.push_back(application(name + "-resources", ns, in.store, base + "resources"));
  return out;
}

}  // namespace

std::expected<std::string, std::string> destination_directory(const Json& destination, const Json& store) {
  auto dir = statestore::destination_dir({.name = kube::meta::name(destination), .path = spec_string(destination, "path")});
  if (!dir) return std::unexpected("Destination " + kube::meta::name(destination) + ": " + dir.error().message);
  return statestore::store_path(spec_string(store, "path"), *dir);
}

std::string flux_git_url(const std::string& url) {
  if (url.find("://") != std::string::npos) return url;
  const size_t at = url.find('@');
  const size_t colon = url.find(':', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || colon == std::string::npos) return url;
  return "ssh://" + url.substr(0, colon) + "/" + url.substr(colon + 1);
}

std::expected<std::vector<Json>, std::string> bootstrap_objects(const BootstrapInput& input,
                                                                const BootstrapOptions& options) {
  const std::string kind = input.store.value("kind", "");
  if (kind != "GitStateStore" && kind != "BucketStateStore") {
    return std::unexpected("Destination " + kube::meta::name(input.destination) + " names a state store of kind \"" +
                           kind + "\"; only GitStateStore and BucketStateStore are known");
  }
  return options.agent == Agent::kFlux ? flux_objects(input, options) : argocd_objects(input, options);
}

}  // namespace pave::gitops
