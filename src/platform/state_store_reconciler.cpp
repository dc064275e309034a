#include "platform/state_store_reconciler.h"

#include "base/encoding.h"
#include "kube/log.h"
#include "kube/object.h"
#include "api/conditions.h"
#include "api/kratix.h"
#include "statestore/bucket_writer.h"
#include "statestore/git_writer.h"

namespace pave::platform {
namespace {

using kube::Json;
namespace ss = api::state_store;

constexpr auto kStateStoreRetry = std::chrono::seconds(15);
// How soon to look again while the last writer closes, should its wake-up be missed.
constexpr auto kWhileClosing = std::chrono::seconds(5);
// A private CA for an https store, in the store's Secret under the key Flux's sources use for the same
// purpose, so one Secret serves Pave and the Flux on a destination. Kratix has no such key: it turns
// verification off for Git instead.
constexpr const char* kCaBundleKey = "ca.crt";

std::string secret_value(const Json& secret, const char* key) {
  auto data = secret.value("data", Json::object());
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return "";
  return base::base64_decode(it->get<std::string>()).value_or("");
}

struct SecretRef {
  std::string name;
  std::string namespace_;
};

SecretRef secret_ref(const Json& store) {
  const Json ref = store.value("spec", Json::object()).value("secretRef", Json::object());
  std::string ns = ref.value("namespace", "");
  return {ref.value("name", ""), ns.empty() ? "default" : ns};
}

}  // namespace

StateStoreReconciler::StateStoreReconciler(kube::Client client, std::string kind, const kube::Informer& stores,
                                           StateStoreRegistry& registry, kube::EventRecorder& events, std::string cache_dir,
                                           std::chrono::milliseconds minimum_fetch_interval)
    : client_(std::move(client)), kind_(std::move(kind)), stores_(stores), registry_(registry), events_(events),
      cache_dir_(std::move(cache_dir)), minimum_fetch_interval_(minimum_fetch_interval) {}

std::vector<kube::Request> StateStoreReconciler::stores_using(const Json& secret) const {
  std::vector<kube::Request> out;
  for (const auto& store : stores_.store().list()) {
    const SecretRef ref = secret_ref(*store);
    if (ref.name == kube::meta::name(secret) && ref.namespace_ == kube::meta::namespace_of(secret)) {
      out.push_back({"", kube::meta::name(*store)});
    }
  }
  return out;
}

kube::Result<kube::ReconcileResult> StateStoreReconciler::reconcile(const kube::Request& request) {
  kube::ObjectPtr store = stores_.store().get(request.key());
  if (!store) {
    registry_.retire(kind_, request.name);
    return kube::ReconcileResult{};
  }
  // A prefix that climbs out of the repository or bucket is the store's own error, not a passing one:
  // reported once, and reconciled again when the store changes.
  if (const std::string prefix = kube::string_at(kube::child(*store, "spec"), "path"); !statestore::contained_prefix(prefix)) {
    registry_.retire(kind_, request.name);
    if (auto s = report(*store, false, ss::kReasonInitialising,
                        std::string(ss::kInitialisingPrefix) + "spec.path \"" + prefix + "\" climbs out of the store (a \"..\" above its root)");
        !s) {
      return std::unexpected(s.error());
    }
    return kube::ReconcileResult{};
  }
  const SecretRef ref = secret_ref(*store);
  Json secret = Json::object();
  const bool needs_secret = kind_ == "GitStateStore" || store->value("spec", Json::object()).value("authMethod", "accessKey") == "accessKey";
  const std::string generation = std::to_string(kube::meta::generation(*store)) + "/";
  // The Secret's resourceVersion as cached: when the open writer was made from it, its data is not read.
  const kube::ObjectPtr cached_secret = needs_secret && secrets_ ? secrets_->store().get(ref.namespace_ + "/" + ref.name) : nullptr;
  const bool writer_current = cached_secret && registry_.get(kind_, request.name) &&
                              registry_.version(kind_, request.name) == generation + kube::meta::resource_version(*cached_secret);
  if (needs_secret && !writer_current) {
    auto fetched = client_.get(kube::resources::secrets(), ref.namespace_, ref.name);
    if (kube::is_not_found(fetched)) {
      registry_.retire(kind_, request.name);
      if (auto s = report(*store, false, ss::kReasonSecretNotFound,
                          "Secret " + ref.name + " not found in namespace " + ref.namespace_); !s) {
        return std::unexpected(s.error());
      }
      return kube::ReconcileResult{.requeue_after = kStateStoreRetry};
    }
    if (!fetched) return std::unexpected(fetched.error());
    secret = std::move(*fetched);
  }
  // Reopen only when the store or its Secret changed since the writer was opened.
  const std::string version = generation + kube::meta::resource_version(writer_current ? *cached_secret : secret);
  if (registry_.version(kind_, request.name) != version || !registry_.get(kind_, request.name)) {
    // The last writer first writes what it holds and lets go of the store's cache directory, on a thread
    // of its own; its closing wakes this store again.
    if (registry_.get(kind_, request.name)) {
      registry_.retire(kind_, request.name, [wake = wake_, request] {
        if (wake) wake(request);
      });
    }
    if (registry_.closing(kind_, request.name)) return kube::ReconcileResult{.requeue_after = kWhileClosing};
    auto writer = open_writer(*store, secret);
    if (!writer) {
      if (auto s = report(*store, false, writer.error().reason, writer.error().message); !s) return std::unexpected(s.error());
      return kube::ReconcileResult{.requeue_after = kStateStoreRetry};
    }
    registry_.put(kind_, request.name, version, std::move(*writer));
  } else if (refresh_interval_.count() > 0) {
    // The writer's thread fetches; this one goes on.
    if (auto writer = registry_.get(kind_, request.name)) writer->refresh();
  }
  if (auto s = report(*store, true, ss::kReasonReady, ss::kMessageReady); !s) return std::unexpected(s.error());
  if (refresh_interval_.count() > 0) return kube::ReconcileResult{.requeue_after = refresh_interval_};
  return kube::ReconcileResult{};
}

std::expected<std::shared_ptr<statestore::Writer>, StateStoreReconciler::Failure> StateStoreReconciler::open_writer(
    const Json& store, const Json& secret) {
  const Json spec = store.value("spec", Json::object());
  if (kind_ == "GitStateStore") {
    const std::string method = spec.value("authMethod", "basicAuth");
    const Json author = spec.value("gitAuthor", Json::object());
    statestore::GitConfig c{.url = spec.value("url", ""), .branch = spec.value("branch", "main"), .path = spec.value("path", ""),
                            .author_name = author.value("name", "kratix"),
                            .author_email = author.value("email", "kratix@kratix.io"),
                            .minimum_fetch_interval = minimum_fetch_interval_};
    if (c.branch.empty()) c.branch = "main";
    if (method == "ssh") {
      c.ssh_private_key = secret_value(secret, "sshPrivateKey");
      c.known_hosts = secret_value(secret, "knownHosts");
    } else if (method == "githubApp") {
      // Kratix's keys, and apiURL (Pave's: GitHub Enterprise Server's https://HOST/api/v3) beside them.
      statestore::GitHubAppConfig app{.app_id = secret_value(secret, "appID"), .installation_id = secret_value(secret, "installationID"),
                                      .private_key = secret_value(secret, "privateKey"),
                                      .ca_bundle = secret_value(secret, kCaBundleKey)};
      if (const std::string api = secret_value(secret, "apiURL"); !api.empty()) app.api_url = api;
      c.github_app = std::make_shared<statestore::GitHubAppTokens>(std::move(app));
      c.ca_bundle = secret_value(secret, kCaBundleKey);
    } else {
      c.username = secret_value(secret, "username");
      c.password = secret_value(secret, "password");
      c.ca_bundle = secret_value(secret, kCaBundleKey);
    }
    // Each store has its own clone, even when two name the same repository.
    auto writer = statestore::GitWriter::open(c, cache_dir_ + "/git/" + kube::meta::name(store));
    if (!writer) return std::unexpected(Failure{ss::kReasonInitialising, ss::kInitialisingPrefix + writer.error().message});
    if (auto s = (*writer)->check_permissions(); !s) {
      return std::unexpected(Failure{ss::kReasonPermissions, ss::kPermissionsPrefix + s.error().message});
    }
    return std::shared_ptr<statestore::Writer>(std::move(*writer));
  }
  if (spec.value("authMethod", "accessKey") == "IAM") {
    return std::unexpected(Failure{ss::kReasonInitialising, std::string(ss::kInitialisingPrefix) + "IAM authentication is not supported"});
  }
  statestore::BucketConfig c{.endpoint = spec.value("endpoint", ""), .bucket = spec.value("bucketName", ""),
                             .path = spec.value("path", ""), .insecure = spec.value("insecure", false),
                             .access_key_id = secret_value(secret, "accessKeyID"),
                             .secret_access_key = secret_value(secret, "secretAccessKey"),
                             .ca_bundle = secret_value(secret, kCaBundleKey)};
  // Opening a bucket writer lists the bucket with the credentials: that is the permission check.
  auto writer = statestore::BucketWriter::open(c);
  if (!writer) return std::unexpected(Failure{ss::kReasonPermissions, ss::kPermissionsPrefix + writer.error().message});
  return std::shared_ptr<statestore::Writer>(std::move(*writer));
}

kube::Status StateStoreReconciler::report(const Json& store, bool ready, const std::string& reason, const std::string& message) {
  // Every attempt that finds the store not ready is logged, once, with why (the status changes only
  // when the reason does): a store that stays down says why in the log.
  if (!ready) {
    kube::log::warn("state store not ready", {{"kind", kind_}, {"name", kube::meta::name(store)}, {"reason", reason}, {"error", message}});
  }
  Json status = store.value("status", Json::object());
  const Json before = status;
  status["status"] = ready ? ss::kReady : ss::kNotReady;
  status["observedGeneration"] = kube::meta::generation(store);
  api::set_condition(status, {.type = "Ready", .status = ready, .reason = reason, .message = message,
                              .observed_generation = kube::meta::generation(store)});
  if (status == before) return {};
  const kube::Resource resource = kind_ == "GitStateStore" ? api::git_state_stores() : api::bucket_state_stores();
  auto patched = client_.patch(resource, "", kube::meta::name(store), kube::PatchType::kMerge, {{"status", status}},
                               {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  const bool was_ready = before.value("status", "") == ss::kReady;
  if (ready != was_ready || !ready) {
    ready ? events_.normal(store, ss::kReady, "Reconcile", message) : events_.warning(store, ss::kNotReady, "Reconcile", message);
  }
  return {};
}

}  // namespace pave::platform
