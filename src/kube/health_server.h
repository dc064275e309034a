// The operator's HTTP endpoint: /healthz (liveness), /readyz (readiness) and /metrics (Prometheus).
//
// A check is a named function; an endpoint answers 200 "ok" when all its checks pass and 500 naming the
// failing ones otherwise. "?verbose" lists every check, as the API server's endpoints do.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/error.h"

namespace pave::kube {

class Metrics;

class HealthServer {
 public:
  using Check = std::function<bool()>;

  // Serves metrics (may be null) on address:port; port 0 picks a free one.
  HealthServer(std::string address, int port, Metrics* metrics);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  void add_liveness_check(std::string name, Check check);
  void add_readiness_check(std::string name, Check check);

  Status start();
  void stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string address_;
  int port_;
  Metrics* metrics_;
  std::mutex mu_;
  std::vector<std::pair<std::string, Check>> liveness_, readiness_;
  std::thread thread_;
};

}  // namespace pave::kube
