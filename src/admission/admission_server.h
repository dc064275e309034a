// Everything `pave controller --webhook-port` runs for admission: the TLS server with Kratix's checks,
// its certificates (made, shared through a Secret and rotated by kube::WebhookCertificates), and the
// webhook configurations, applied with the CA bundle each time it changes. Every replica serves, leader
// or not, so the API server can call whichever it reaches.
//
//   AdmissionServer admission(client, {.port = 9443, .where = {.url = "https://127.0.0.1:9443"}});
//   admission.start();   // certificates ready and configurations applied before it returns
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "admission/webhooks.h"
#include "kube/webhook_certificates.h"
#include "kube/webhook_server.h"

namespace pave::admission {

struct AdmissionServerOptions {
  std::string address = "0.0.0.0";
  int port = 9443;  // 0: any free port (tests)
  // Where the API server calls; with neither a url nor a Service, https://127.0.0.1:<port>.
  WebhookClientConfig where;
  std::string secret_namespace = "kratix-platform-system";
  std::string secret_name = "pave-webhook-tls";
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 365 * 10);
  std::chrono::seconds serving_validity = std::chrono::hours(24 * 365);
  std::chrono::seconds refresh_interval = std::chrono::hours(1);
  workflow::KratixConfig kratix;
  std::string adapter_image;
};

class AdmissionServer {
 public:
  AdmissionServer(kube::Client client, AdmissionServerOptions options);
  ~AdmissionServer();
  AdmissionServer(const AdmissionServer&) = delete;
  AdmissionServer& operator=(const AdmissionServer&) = delete;

  kube::Status start();
  void stop();
  int port() const { return server_.port(); }
  // Serving with a certificate, and the configurations applied.
  bool ready() const { return ready_.load(); }
  const WebhookClientConfig& where() const { return where_; }

 private:
  kube::Client client_;
  AdmissionServerOptions options_;
  WebhookClientConfig where_;
  CheckContext context_;
  kube::WebhookServer server_;
  std::unique_ptr<kube::WebhookCertificates> certificates_;
  std::atomic<bool> ready_{false};
};

}  // namespace pave::admission
