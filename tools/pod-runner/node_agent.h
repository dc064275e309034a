// The pod runner's Node: registered Ready with capacity, kept alive through its Lease in
// kube-node-lease (renewed every 10 s) and a status heartbeat (every minute), as a kubelet does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"

namespace pave::podrunner {

class NodeAgent {
 public:
  NodeAgent(kube::Client client, std::string node_name, std::string kubelet_version, std::string node_ip);
  ~NodeAgent();

  // Creates the Node if it does not exist and reports it Ready.
  kube::Status register_node();
  // Heartbeats in the background until stop().
  void start();
  void stop();

 private:
  kube::Status report_status();
  kube::Status renew_lease();
  void run();

  kube::Client client_;
  const std::string name_;
  const std::string kubelet_version_;
  const std::string node_ip_;  // its InternalIP
  std::string node_uid_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pave::podrunner
