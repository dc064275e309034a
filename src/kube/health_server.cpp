#include "kube/health_server.h"

#include <httplib.h>

#include "kube/metrics.h"

namespace pave::kube {

struct HealthServer::Impl {
  httplib::Server server;
};

HealthServer::HealthServer(std::string address, int port, Metrics* metrics)
    : impl_(std::make_unique<Impl>()), address_(std::move(address)), port_(port), metrics_(metrics) {}

HealthServer::~HealthServer() { stop(); }

void HealthServer::add_liveness_check(std::string name, Check check) {
  std::lock_guard lock(mu_);
  liveness_.emplace_back(std::move(name), std::move(check));
}

void HealthServer::add_readiness_check(std::string name, Check check) {
  std::lock_guard lock(mu_);
  readiness_.emplace_back(std::move(name), std::move(check));
}

Status HealthServer::start() {
  auto endpoint = [this](const std::vector<std::pair<std::string, Check>>& checks) {
    return [this, &checks](const httplib::Request& req, httplib::Response& res) {
      std::string body;
      bool all_ok = true;
      {
        std::lock_guard lock(mu_);
        for (const auto& [name, check] : checks) {
          const bool ok = check();
          all_ok = all_ok && ok;
          if (!ok || req.has_param("verbose")) body += std::string(ok ? "[+]" : "[-]") + name + (ok ? " ok\n" : " failed\n");
        }
      }
      body += all_ok ? "ok\n" : "check failed\n";
      res.status = all_ok ? 200 : 500;
      res.set_content(body, "text/plain");
    };
  };
  impl_->server.Get("/healthz", endpoint(liveness_));
  impl_->server.Get("/livez", endpoint(liveness_));
  impl_->server.Get("/readyz", endpoint(readiness_));
  impl_->server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_ ? metrics_->serialize() : "", "text/plain; version=0.0.4");
  });
  if (port_ == 0) {
    port_ = impl_->server.bind_to_any_port(address_);
    if (port_ < 0) return std::unexpected(make_error(ErrorKind::kConfig, "cannot bind " + address_));
  } else if (!impl_->server.bind_to_port(address_, port_)) {
    return std::unexpected(make_error(ErrorKind::kConfig, "cannot bind " + address_ + ":" + std::to_string(port_)));
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  return {};
}

void HealthServer::stop() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pave::kube
