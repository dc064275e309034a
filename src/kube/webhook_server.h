// The HTTPS endpoint the API server calls for admission: one handler per path, answered as
// AdmissionReviews. The serving certificate can be replaced while it runs (rotation): each new TLS
// connection is served with the latest one.
//
//   WebhookServer server("0.0.0.0", 9443);
//   server.handle("/validate-platform-kratix-io-v1alpha1-promise", check_promise);
//   server.set_certificate(cert_pem, key_pem);
//   server.start();
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "kube/admission.h"
#include "kube/error.h"

namespace pave::kube {

class WebhookServer {
 public:
  // port 0 picks a free port (see port() after start()).
  WebhookServer(std::string address, int port);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Before start().
  void handle(const std::string& path, AdmissionHandler handler);

  // The certificate (PEM, leaf first) and key served from the next connection on; an error leaves the
  // one being served in place.
  Status set_certificate(const std::string& certificate_pem, const std::string& key_pem);
  bool has_certificate() const;

  Status start();
  void stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string address_;
  int port_;
  std::thread thread_;
};

}  // namespace pave::kube
