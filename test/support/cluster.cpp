#include "support/cluster.h"

#include <signal.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "support/kubectl_get.h"

namespace pave::testing {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string field(const std::string& line, const std::string& key) {
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    if (word.starts_with(key + "=")) return word.substr(key.size() + 1);
  }
  return "";
}

}  // namespace

std::string k8s_bin_dir() { return env_or("PAVE_K8S_BIN", PAVE_DEFAULT_K8S_BIN); }
std::string cluster_program() { return env_or("PAVE_CLUSTER_PROGRAM", PAVE_DEFAULT_CLUSTER_PROGRAM); }
std::string kubectl_program() { return k8s_bin_dir() + "/kubectl"; }

base::ProcessOutput ClusterAccess::kubectl(const std::vector<std::string>& args, const std::string& input) const {
  // A `get -o jsonpath` poll is answered in-process when it can be (support/kubectl_get.h);
  // PAVE_TEST_KUBECTL=always runs kubectl for every call, to compare.
  if (input.empty() && env_or("PAVE_TEST_KUBECTL", "") != "always") {
    if (auto answer = kubectl_get_in_process(kubeconfig, args)) return std::move(*answer);
  }
  base::RunOptions options{.argv = {kubectl_program(), "--kubeconfig", kubeconfig}, .input = input};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  return base::run(options);
}

std::optional<ClusterAccess> parse_ready_line(const std::string& line) {
  if (!line.starts_with("READY ")) return std::nullopt;
  ClusterAccess access{field(line, "name"), field(line, "kubeconfig"), field(line, "server"), field(line, "etcd")};
  if (access.kubeconfig.empty() || access.server.empty()) return std::nullopt;
  return access;
}

std::expected<LocalCluster, std::string> LocalCluster::start(const std::string& name, const Options& options) {
  auto dir = base::TempDir::create("pave-cluster-" + name);
  if (!dir) return std::unexpected(dir.error());
  const std::string log = (dir->path() / "launcher.log").string();
  const auto timeout = options.timeout;
  std::vector<std::string> argv{cluster_program(), "up", "--dir", (dir->path() / "state").string(), "--bin",
                                k8s_bin_dir(), "--name", name, "--timeout", std::to_string(timeout.count()) + "s"};
  for (const auto& arg : options.apiserver_args) argv.push_back("--apiserver-arg=" + arg);
  if (options.etcd_proxy) argv.push_back("--etcd-proxy");
  auto child = base::Child::spawn(argv, {}, log);
  if (!child) return std::unexpected(child.error());
  // The launcher prints nothing before READY; an empty read means it failed or timed out.
  auto line = child->read_line(timeout + std::chrono::seconds(10));
  auto access = line ? parse_ready_line(*line) : std::nullopt;
  if (!access) {
    child->stop(std::chrono::seconds(10));
    auto tail = base::run({.argv = {"tail", "-n", "30", log}}).out;
    return std::unexpected("cluster " + name + " did not become ready: " + line.value_or("<no output>") + "\n" +
                           tail);
  }
  return LocalCluster(std::move(*dir), std::move(*child), std::move(*access));
}

LocalCluster::~LocalCluster() { stop(); }

void LocalCluster::restart_apiserver() const {
  if (launcher_) ::kill(launcher_->pid(), SIGUSR1);
}

void LocalCluster::set_etcd_latency(std::chrono::milliseconds latency) const {
  std::ofstream(dir_->path() / "state" / "etcd-latency-ms") << latency.count() << "\n";
}

int LocalCluster::stop() {
  if (!launcher_) return -1;
  int code = launcher_->stop(std::chrono::seconds(20));
  launcher_.reset();
  dir_.reset();
  return code;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string namespace_for(const std::string& test_name) {
  std::string ns;
  for (char c : test_name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      ns += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!ns.empty() && ns.back() != '-') {
      ns += '-';
    }
  }
  if (ns.size() > 50) ns.resize(50);
  while (!ns.empty() && ns.back() == '-') ns.pop_back();
  static thread_local std::mt19937 rng{std::random_device{}()};
  const char* alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string suffix;
  for (int i = 0; i < 5; ++i) suffix += alphabet[rng() % 27];
  return (ns.empty() ? "t" : ns) + "-" + suffix;
}

}  // namespace pave::testing
