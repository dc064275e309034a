#include "support/flux.h"

#include <cstdlib>

namespace pave::testing {

std::string flux_bin_dir() {
  const char* v = std::getenv("PAVE_FLUX_BIN");
  return v && *v ? v : PAVE_DEFAULT_FLUX_BIN;
}

std::expected<FluxAgent, std::string> FluxAgent::start(const ClusterAccess& cluster) {
  auto dir = base::TempDir::create("pave-flux-" + cluster.name);
  if (!dir) return std::unexpected(dir.error());
  const std::string log = (dir->path() / "launcher.log").string();
  auto child = base::Child::spawn({cluster_program(), "flux", "--kubeconfig", cluster.kubeconfig, "--flux-bin",
                                   flux_bin_dir(), "--kubectl", kubectl_program(), "--dir", (dir->path() / "state").string()},
                                  {}, log);
  if (!child) return std::unexpected(child.error());
  auto line = child->read_line(std::chrono::seconds(150));
  if (!line || !line->starts_with("READY ")) {
    child->stop(std::chrono::seconds(10));
    auto tail = base::run({.argv = {"tail", "-n", "30", log}}).out;
    return std::unexpected("Flux on " + cluster.name + " did not become ready: " + line.value_or("<no output>") + "\n" + tail);
  }
  return FluxAgent(std::move(*dir), std::move(*child));
}

FluxAgent::~FluxAgent() { stop(); }

void FluxAgent::stop() {
  if (!launcher_) return;
  launcher_->stop(std::chrono::seconds(20));
  launcher_.reset();
  dir_.reset();
}

std::string FluxAgent::log_tail() const {
  if (!dir_) return "";
  std::string out;
  for (const char* c : {"source-controller", "kustomize-controller"}) {
    out += std::string("---- ") + c + "\n" +
           base::run({.argv = {"tail", "-n", "15", (dir_->path() / "state" / "logs" / (std::string(c) + ".log")).string()}}).out;
  }
  return out;
}

}  // namespace pave::testing
