#include "kube/webhook_server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <map>
#include <mutex>

#include "kube/guard.h"
#include "kube/log.h"

namespace pave::kube {
namespace {

struct ServingIdentity {
  std::shared_ptr<X509> certificate;
  std::vector<std::shared_ptr<X509>> chain;  // intermediates after the leaf, if any
  std::shared_ptr<EVP_PKEY> key;
};

std::shared_ptr<X509> read_certificate(BIO* bio) {
  X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  return c ? std::shared_ptr<X509>(c, X509_free) : nullptr;
}

}  // namespace

struct WebhookServer::Impl {
  std::unique_ptr<httplib::SSLServer> server;
  std::map<std::string, AdmissionHandler> handlers;
  mutable std::mutex mu;
  std::shared_ptr<const ServingIdentity> identity;

  std::shared_ptr<const ServingIdentity> current() const {
    std::lock_guard lock(mu);
    return identity;
  }

  // OpenSSL asks for the certificate at each handshake: the one set last is served.
  static int choose_certificate(SSL* ssl, void* arg) {
    auto identity = static_cast<Impl*>(arg)->current();
    if (!identity) return 0;  // no certificate yet: the handshake fails
    if (SSL_use_certificate(ssl, identity->certificate.get()) != 1 || SSL_use_PrivateKey(ssl, identity->key.get()) != 1) return 0;
    SSL_clear_chain_certs(ssl);
    for (const auto& c : identity->chain) SSL_add1_chain_cert(ssl, c.get());
    return 1;
  }

  void serve(const httplib::Request& req, httplib::Response& res) const {
    auto it = handlers.find(req.path);
    if (it == handlers.end()) {
      res.status = 404;
      return;
    }
    const Json review = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    auto request = parse_admission_review(review);
    if (!request) {
      res.status = 400;
      res.set_content(request.error().message, "text/plain");
      return;
    }
    // A handler that throws refuses the object rather than taking the server down.
    auto answer = guarded("admission " + req.path, [&]() -> Result<AdmissionResponse> { return it->second(*request); });
    const AdmissionResponse response = answer ? *answer : AdmissionResponse::deny("internal error: " + answer.error().message);
    if (!response.allowed) {
      log::info("admission refused", {{"path", req.path}, {"object", request->name}, {"operation", request->operation},
                                      {"why", response.message}});
    }
    res.set_content(admission_review_answer(*request, response).dump(), "application/json");
  }
};

WebhookServer::WebhookServer(std::string address, int port)
    : impl_(std::make_unique<Impl>()), address_(std::move(address)), port_(port) {}

WebhookServer::~WebhookServer() { stop(); }

void WebhookServer::handle(const std::string& path, AdmissionHandler handler) { impl_->handlers[path] = std::move(handler); }

Status WebhookServer::set_certificate(const std::string& certificate_pem, const std::string& key_pem) {
  auto identity = std::make_shared<ServingIdentity>();
  std::unique_ptr<BIO, decltype(&BIO_free)> certs(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())), BIO_free);
  identity->certificate = read_certificate(certs.get());
  while (auto c = read_certificate(certs.get())) identity->chain.push_back(std::move(c));
  std::unique_ptr<BIO, decltype(&BIO_free)> key(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  if (EVP_PKEY* k = PEM_read_bio_PrivateKey(key.get(), nullptr, nullptr, nullptr)) identity->key.reset(k, EVP_PKEY_free);
  ERR_clear_error();  // the loop above ends on a PEM "no start line"
  if (!identity->certificate || !identity->key) return std::unexpected(make_error(ErrorKind::kConfig, "unreadable serving certificate or key"));
  if (X509_check_private_key(identity->certificate.get(), identity->key.get()) != 1) {
    ERR_clear_error();
    return std::unexpected(make_error(ErrorKind::kConfig, "the serving key is not the certificate's"));
  }
  std::lock_guard lock(impl_->mu);
  impl_->identity = std::move(identity);
  return {};
}

bool WebhookServer::has_certificate() const { return impl_->current() != nullptr; }

Status WebhookServer::start() {
  Impl* impl = impl_.get();
  impl_->server = std::make_unique<httplib::SSLServer>([impl](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_cert_cb(&ctx, &Impl::choose_certificate, impl);
    return true;
  });
  if (!impl_->server->is_valid()) return std::unexpected(make_error(ErrorKind::kConfig, "cannot set up TLS for the webhook server"));
  // An AdmissionReview holds an object and its old version, each at most etcd's 1.5 MB.
  impl_->server->set_payload_max_length(8 << 20);
  impl_->server->Post(R"(/.*)", [impl](const httplib::Request& req, httplib::Response& res) { impl->serve(req, res); });
  if (port_ == 0) {
    port_ = impl_->server->bind_to_any_port(address_);
    if (port_ < 0) return std::unexpected(make_error(ErrorKind::kConfig, "cannot bind " + address_));
  } else if (!impl_->server->bind_to_port(address_, port_)) {
    return std::unexpected(make_error(ErrorKind::kConfig, "cannot bind " + address_ + ":" + std::to_string(port_)));
  }
  thread_ = std::thread([impl] { impl->server->listen_after_bind(); });
  // httplib's stop() does nothing before the listener runs: wait for it, so a stop() right after returns.
  while (!impl_->server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

void WebhookServer::stop() {
  if (impl_->server) impl_->server->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pave::kube
