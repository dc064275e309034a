#include "admission/webhooks.h"

#include "base/encoding.h"
#include "kube/log.h"
#include "kube/object.h"

namespace pave::admission {
namespace {

using kube::Json;

kube::Resource validating_configurations() {
  return {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false};
}
kube::Resource mutating_configurations() {
  return {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false};
}

struct Endpoint {
  const char* name;       // Kratix's webhook name
  const char* path;
  const char* resource;   // plural in platform.kratix.io/v1alpha1
  std::vector<std::string> operations;
  bool mutating;
  int timeout_seconds;
  kube::AdmissionResponse (*check)(const CheckContext&, const kube::AdmissionRequest&);
};

const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> all = {
      {"vpromise.kb.io", "/validate-platform-kratix-io-v1alpha1-promise", "promises", {"CREATE", "UPDATE"}, false, 30, validate_promise},
      {"mdestination.kb.io", "/mutate-platform-kratix-io-v1alpha1-destination", "destinations", {"CREATE", "UPDATE"}, true, 10,
       default_destination},
      {"vdestination.kb.io", "/validate-platform-kratix-io-v1alpha1-destination", "destinations", {"CREATE", "UPDATE"}, false, 10,
       validate_destination},
      {"vbucketstatestore-v1alpha1.kb.io", "/validate-platform-kratix-io-v1alpha1-bucketstatestore", "bucketstatestores",
       {"CREATE", "UPDATE"}, false, 10, validate_bucket_state_store},
      // The release's Promise is fetched while the API server waits: the longest timeout it allows.
      {"vpromiserelease.kb.io", "/validate-platform-kratix-io-v1alpha1-promiserelease", "promisereleases", {"CREATE", "UPDATE"}, false,
       30, validate_promise_release},
      {"vpromiserevision-v1alpha1.kb.io", "/validate-platform-kratix-io-v1alpha1-promiserevision", "promiserevisions",
       {"CREATE", "UPDATE", "DELETE"}, false, 10, validate_promise_revision},
  };
  return all;
}

Json client_config(const WebhookClientConfig& where, const std::string& path, const std::string& ca_bundle) {
  Json config = {{"caBundle", base::base64_encode(ca_bundle)}};
  if (!where.url.empty()) {
    std::string base = where.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    config["url"] = base + path;
  } else {
    config["service"] = {{"namespace", where.service_namespace}, {"name", where.service_name}, {"port", where.service_port},
                         {"path", path}};
  }
  return config;
}

}  // namespace

void add_handlers(kube::WebhookServer& server, const CheckContext& context) {
  for (const Endpoint& e : endpoints()) {
    server.handle(e.path, [&context, check = e.check](const kube::AdmissionRequest& r) { return check(context, r); });
  }
}

std::vector<Json> webhook_configurations(const WebhookClientConfig& where, const std::string& ca_bundle) {
  Json validating = Json::array(), mutating = Json::array();
  for (const Endpoint& e : endpoints()) {
    Json webhook = {{"name", e.name}, {"clientConfig", client_config(where, e.path, ca_bundle)},
                    {"rules", Json::array({{{"apiGroups", {"platform.kratix.io"}}, {"apiVersions", {"v1alpha1"}},
                                            {"operations", e.operations}, {"resources", {e.resource}}, {"scope", "*"}}})},
                    {"failurePolicy", "Fail"}, {"sideEffects", "None"}, {"admissionReviewVersions", {"v1"}},
                    {"timeoutSeconds", e.timeout_seconds}};
    (e.mutating ? mutating : validating).push_back(std::move(webhook));
  }
  // No managed-by label: when Pave's Helm chart makes these configurations, Helm's label says who owns
  // them, and Pave's apply only shares the fields whose values it agrees with (and owns the CA bundle).
  const Json labels = {{"app.kubernetes.io/part-of", "kratix"}};
  return {{{"apiVersion", "admissionregistration.k8s.io/v1"}, {"kind", "ValidatingWebhookConfiguration"},
           {"metadata", {{"name", kValidatingConfiguration}, {"labels", labels}}}, {"webhooks", validating}},
          {{"apiVersion", "admissionregistration.k8s.io/v1"}, {"kind", "MutatingWebhookConfiguration"},
           {"metadata", {{"name", kMutatingConfiguration}, {"labels", labels}}}, {"webhooks", mutating}}};
}

kube::Status apply_webhook_configurations(const kube::Client& client, const WebhookClientConfig& where, const std::string& ca_bundle) {
  for (const Json& c : webhook_configurations(where, ca_bundle)) {
    const kube::Resource r = c["kind"] == "ValidatingWebhookConfiguration" ? validating_configurations() : mutating_configurations();
    auto applied = client.apply(r, c, {.field_manager = "pave", .force = true});
    if (!applied) return std::unexpected(applied.error());
  }
  return {};
}

std::string own_username(const kube::Client& client) {
  const kube::Resource reviews{"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false};
  auto review = client.create(reviews, "", {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  if (!review) {
    kube::log::warn("cannot tell which user Pave is", {{"error", review.error().message}});
    return "";
  }
  return kube::string_at(kube::child(kube::child(*review, "status"), "userInfo"), "username");
}

}  // namespace pave::admission
