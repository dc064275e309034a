#include "node_agent.h"

#include <thread>

#include "kube/log.h"
#include "kube/object.h"
#include "kube/time.h"

namespace pave::podrunner {

using kube::Json;

NodeAgent::NodeAgent(kube::Client client, std::string node_name, std::string kubelet_version, std::string node_ip)
    : client_(std::move(client)), name_(std::move(node_name)), kubelet_version_(std::move(kubelet_version)),
      node_ip_(std::move(node_ip)) {}

NodeAgent::~NodeAgent() { stop(); }

kube::Status NodeAgent::register_node() {
  auto node = client_.get(kube::resources::nodes(), "", name_);
  if (kube::is_not_found(node)) {
    Json fresh = {{"apiVersion", "v1"}, {"kind", "Node"},
                  {"metadata", {{"name", name_},
                                {"labels", {{"kubernetes.io/hostname", name_}, {"kubernetes.io/os", "linux"},
                                            {"kubernetes.io/arch", "amd64"}, {"pave.dev/pod-runner", "true"}}}}}};
    node = client_.create(kube::resources::nodes(), "", fresh);
  }
  if (!node) return std::unexpected(node.error());
  node_uid_ = kube::meta::uid(*node);
  if (auto s = report_status(); !s) return s;
  return renew_lease();
}

kube::Status NodeAgent::report_status() {
  const std::string now = kube::time_now();
  auto cond = [&](const char* type, const char* status, const char* reason, const char* message) {
    return Json{{"type", type}, {"status", status}, {"reason", reason}, {"message", message},
                {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  };
  const Json resources = {{"cpu", "8"}, {"memory", "16Gi"}, {"pods", "110"}, {"ephemeral-storage", "100Gi"}};
  Json status = {{"capacity", resources}, {"allocatable", resources},
                 {"addresses", Json::array({{{"type", "InternalIP"}, {"address", node_ip_}},
                                            {{"type", "Hostname"}, {"address", name_}}})},
                 {"nodeInfo", {{"kubeletVersion", kubelet_version_}, {"containerRuntimeVersion", "podman://4"},
                               {"operatingSystem", "linux"}, {"architecture", "amd64"}, {"machineID", ""},
                               {"systemUUID", ""}, {"bootID", ""}, {"kernelVersion", ""}, {"osImage", "Pave pod runner"},
                               {"kubeProxyVersion", ""}}},
                 {"conditions", Json::array({cond("Ready", "True", "KubeletReady", "pave pod runner is posting ready status"),
                                             cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "ok"),
                                             cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "ok"),
                                             cond("PIDPressure", "False", "KubeletHasSufficientPID", "ok")})}};
  auto patched = client_.patch(kube::resources::nodes(), "", name_, kube::PatchType::kStrategicMerge,
                               {{"status", status}}, {.subresource = "status"});
  if (!patched) return std::unexpected(patched.error());
  return {};
}

kube::Status NodeAgent::renew_lease() {
  const kube::Resource leases = kube::resources::leases();
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"},
                {"metadata", {{"name", name_}, {"namespace", "kube-node-lease"},
                              {"ownerReferences", Json::array({{{"apiVersion", "v1"}, {"kind", "Node"},
                                                                {"name", name_}, {"uid", node_uid_}}})}}},
                {"spec", {{"holderIdentity", name_}, {"leaseDurationSeconds", 40}, {"renewTime", kube::micro_time_now()}}}};
  auto applied = client_.apply(leases, lease, {.field_manager = "pave-pod-runner", .force = true});
  if (!applied) return std::unexpected(applied.error());
  return {};
}

void NodeAgent::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void NodeAgent::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NodeAgent::run() {
  int ticks = 0;
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return stopping_; })) {
    lock.unlock();
    if (auto s = renew_lease(); !s) kube::log::warn("node lease renewal failed", {{"error", s.error().to_string()}});
    if (++ticks % 6 == 0) {
      if (auto s = report_status(); !s) kube::log::warn("node status update failed", {{"error", s.error().to_string()}});
    }
    lock.lock();
  }
}

}  // namespace pave::podrunner
