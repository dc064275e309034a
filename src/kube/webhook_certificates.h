// The webhook server's certificates, made and rotated by the process itself (no cert-manager): a CA and
// a serving certificate kept in one Secret that every replica shares, so the API server trusts whichever
// replica answers.
//
//   Secret (type kubernetes.io/tls): tls.crt, tls.key   the serving certificate and its key
//                                    ca.crt             the CA bundle the API server is given (current CA
//                                                       first, then the previous one until it expires)
//                                    ca.key             the current CA's key, to sign the next certificate
//
// refresh() reads the Secret (making it when absent; a replica that loses the race takes the winner's),
// renews what has less than a third of its validity left or no longer names this server's names, serves
// the serving certificate and hands the CA bundle to `publish` (which patches it into the webhook
// configurations). start() refreshes in the background after the first refresh() the caller makes: every
// interval, and every few seconds while failing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/webhook_server.h"

namespace pave::kube {

struct WebhookCertificateOptions {
  std::string secret_namespace;
  std::string secret_name;
  std::vector<std::string> dns_names;     // what the API server calls: the Service's names
  std::vector<std::string> ip_addresses;  // or the address in a url clientConfig
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 365 * 10);
  std::chrono::seconds serving_validity = std::chrono::hours(24 * 365);
};

class WebhookCertificates {
 public:
  using Publish = std::function<Status(const std::string& ca_bundle)>;
  WebhookCertificates(Client client, WebhookServer& server, WebhookCertificateOptions options, Publish publish);
  ~WebhookCertificates();
  WebhookCertificates(const WebhookCertificates&) = delete;
  WebhookCertificates& operator=(const WebhookCertificates&) = delete;

  Status refresh();

  void start(std::chrono::seconds interval = std::chrono::hours(1));
  void stop();

 private:
  // The Secret's data, made anew where due; whether anything changed.
  Result<bool> renew(Json& data, const std::string& made_for) const;
  std::string names() const;

  Client client_;
  WebhookServer& server_;
  const WebhookCertificateOptions options_;
  Publish publish_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pave::kube
