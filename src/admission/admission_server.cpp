#include "admission/admission_server.h"

#include <arpa/inet.h>

#include "kube/log.h"

namespace pave::admission {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// The host of an https URL ("https://[::1]:9443/x" gives "::1").
std::string url_host(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string rest = url.substr(start, url.find('/', start) - start);
  if (rest.starts_with("[")) return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

}  // namespace

AdmissionServer::AdmissionServer(kube::Client client, AdmissionServerOptions options)
    : client_(std::move(client)), options_(std::move(options)), where_(options_.where),
      context_{.client = client_, .kratix = options_.kratix, .adapter_image = options_.adapter_image},
      server_(options_.address, options_.port) {}

AdmissionServer::~AdmissionServer() { stop(); }

kube::Status AdmissionServer::start() {
  context_.own_username = own_username(client_);
  add_handlers(server_, context_);
  if (auto s = server_.start(); !s) return s;
  if (where_.url.empty() && where_.service_name.empty()) where_.url = "https://127.0.0.1:" + std::to_string(server_.port());

  kube::WebhookCertificateOptions names{.secret_namespace = options_.secret_namespace, .secret_name = options_.secret_name,
                                        .ca_validity = options_.ca_validity, .serving_validity = options_.serving_validity};
  if (!where_.url.empty()) {
    const std::string host = url_host(where_.url);
    (is_ip_address(host) ? names.ip_addresses : names.dns_names).push_back(host);
  } else {
    const std::string service = where_.service_name + "." + where_.service_namespace;
    names.dns_names = {service + ".svc", service + ".svc.cluster.local"};
  }
  certificates_ = std::make_unique<kube::WebhookCertificates>(
      client_, server_, names, [this](const std::string& ca_bundle) { return apply_webhook_configurations(client_, where_, ca_bundle); });
  // The first refresh must work: until the configurations trust the certificate, nothing is checked.
  if (auto s = certificates_->refresh(); !s) return s;
  ready_ = true;
  certificates_->start(options_.refresh_interval);
  kube::log::info("admission webhooks serving", {{"port", std::to_string(server_.port())},
                                                 {"calledAt", where_.url.empty() ? where_.service_namespace + "/" + where_.service_name : where_.url}});
  return {};
}

void AdmissionServer::stop() {
  if (certificates_) certificates_->stop();
  server_.stop();
  ready_ = false;
}

}  // namespace pave::admission
