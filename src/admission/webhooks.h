// Pave's admission webhooks: the paths it serves (Kratix's), and the Validating- and
// MutatingWebhookConfigurations that send the API server there. Pave applies the configurations itself
// with the CA bundle of the certificates it makes (kube::WebhookCertificates), pointing at either a URL
// (Pave running beside the cluster) or a Service (Pave running in it).
#pragma once

#include <string>
#include <vector>

#include "admission/checks.h"
#include "kube/client.h"
#include "kube/webhook_server.h"

namespace pave::admission {

inline constexpr const char* kValidatingConfiguration = "pave-validating-webhook-configuration";
inline constexpr const char* kMutatingConfiguration = "pave-mutating-webhook-configuration";

// Where the API server reaches the webhook server: a base URL ("https://127.0.0.1:9443"), or a Service.
struct WebhookClientConfig {
  std::string url;
  std::string service_namespace;
  std::string service_name;
  int service_port = 443;
};

// Registers every check on server, by path.
void add_handlers(kube::WebhookServer& server, const CheckContext& context);

// The two configurations, trusting ca_bundle (PEM).
std::vector<kube::Json> webhook_configurations(const WebhookClientConfig& where, const std::string& ca_bundle);

// Server-side applies them (field manager "pave").
kube::Status apply_webhook_configurations(const kube::Client& client, const WebhookClientConfig& where, const std::string& ca_bundle);

// The user the client authenticates as (a SelfSubjectReview), "" when the server cannot tell.
std::string own_username(const kube::Client& client);

}  // namespace pave::admission
