#include "support/cluster_environment.h"

#include <cstdlib>
#include <unistd.h>

namespace pave::testing {
namespace {
std::optional<ClusterAccess> current;
const LocalCluster* current_local = nullptr;
}

void ClusterEnvironment::SetUp() {
  if (const char* kubeconfig = std::getenv("PAVE_TEST_KUBECONFIG"); kubeconfig && *kubeconfig) {
    const char* etcd = std::getenv("PAVE_TEST_ETCD");
    current = ClusterAccess{.name = "external", .kubeconfig = kubeconfig, .etcd = etcd ? etcd : ""};
    current->server = current->kubectl({"config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"}).out;
    return;
  }
  auto started = LocalCluster::start("test-" + std::to_string(getpid()), options_);
  ASSERT_TRUE(started.has_value()) << started.error();
  owned_.emplace(std::move(*started));
  current = owned_->access();
  current_local = &*owned_;
}

const LocalCluster* ClusterEnvironment::local_cluster() { return current_local; }

void ClusterEnvironment::TearDown() {
  current_local = nullptr;
  current.reset();
  owned_.reset();
}

const ClusterAccess& ClusterEnvironment::cluster() {
  if (!current) {
    std::fprintf(stderr, "no cluster: ClusterEnvironment is not set up\n");
    std::abort();
  }
  return *current;
}

void ClusterTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  namespace_ = namespace_for(std::string(info->test_suite_name()) + "-" + info->name());
  auto created = cluster().kubectl({"create", "namespace", namespace_});
  ASSERT_TRUE(created.ok()) << created.err;
  // A namespace is ready for tests once the controller-manager has given it its default ServiceAccount
  // and the kube-root-ca.crt ConfigMap; tests that count objects would otherwise race with them.
  ASSERT_TRUE(eventually([&] { return kubectl({"get", "serviceaccount/default", "configmap/kube-root-ca.crt"}).ok(); },
                         std::chrono::seconds(30)))
      << "namespace " << namespace_ << " never got its default ServiceAccount and kube-root-ca.crt";
}

void ClusterTest::TearDown() {
  if (namespace_.empty()) return;
  // Not waited for: the namespace controller finishes it while later tests run.
  cluster().kubectl({"delete", "namespace", namespace_, "--wait=false", "--ignore-not-found"});
}

base::ProcessOutput ClusterTest::kubectl(const std::vector<std::string>& args, const std::string& input) const {
  std::vector<std::string> full{"--namespace", namespace_};
  full.insert(full.end(), args.begin(), args.end());
  return cluster().kubectl(full, input);
}

void ClusterTest::install_kratix(const std::string& crd_dir) const {
  auto applied = cluster().kubectl({"apply", "-f", crd_dir});
  ASSERT_TRUE(applied.ok()) << applied.err;
  auto established = cluster().kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  ASSERT_TRUE(established.ok()) << established.err;
  cluster().kubectl({"create", "namespace", "kratix-platform-system"});
}

}  // namespace pave::testing
