// The dynamic client against a real API server: CRUD and conflicts, server-side apply ownership, paging,
// discovery, and every way a kubeconfig can authenticate (client certificates, tokens, exec plugins).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <thread>

#include "base/encoding.h"
#include "kube/client.h"
#include "kube/transport.h"
#include "kube/object.h"
#include "kube/rest_mapper.h"
#include "support/cluster_environment.h"

namespace pave::kube {
namespace {

using namespace std::chrono_literals;
using testing::ClusterTest;

std::string base64(const std::string& in) { return base::base64_encode(in); }

void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

Json config_map(const std::string& name, Json data = Json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", std::move(data)}};
}

class ClientTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    auto config = load_kubeconfig({.paths = {cluster().kubeconfig}});
    ASSERT_TRUE(config.has_value()) << config.error().message;
    admin_config_ = *config;
    admin_config_.qps = 0;  // the paging test creates thousands of objects
    client_.emplace(make_client(admin_config_).value());
  }

  const Client& client() const { return *client_; }

  // A kubeconfig for this cluster with the given user block (YAML, indented under "user:").
  std::string kubeconfig_with_user(const std::string& user_yaml, const std::string& cluster_extra = "") const {
    return "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: " +
           admin_config_.server + "\n" +
           (cluster_extra.empty() ? "    certificate-authority-data: " + base64(admin_config_.ca_data) + "\n"
                                  : cluster_extra) +
           "users:\n- name: u\n  user:\n" + user_yaml + "contexts:\n- name: c\n  context: {cluster: k, user: u}\n";
  }

  // A token for a new ServiceAccount in the test namespace, from the TokenRequest API.
  std::string service_account_token(const std::string& sa) const {
    auto created = client().create(resources::service_accounts(), ns(),
                                   {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", sa}}}});
    EXPECT_TRUE(created.has_value()) << created.error().to_string();
    auto token = client().create_subresource(resources::service_accounts(), ns(), sa, "token",
                                             {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"},
                                              {"spec", {{"expirationSeconds", 3600}}}});
    EXPECT_TRUE(token.has_value()) << token.error().to_string();
    return token ? (*token)["status"].value("token", "") : "";
  }

  // Who the server says the client is.
  static std::string whoami(const Client& c) {
    auto review = c.create(Resource{"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false}, "",
                           {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
    if (!review) return "error: " + review.error().to_string();
    return (*review)["status"]["userInfo"].value("username", "");
  }

  Config admin_config_;
  std::optional<Client> client_;
};

TEST_F(ClientTest, CreateGetUpdateDeleteWithTypedConflicts) {
  auto created = client().create(resources::configmaps(), ns(), config_map("c1", {{"k", "v1"}}));
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  const std::string rv1 = meta::resource_version(*created);

  auto again = client().create(resources::configmaps(), ns(), config_map("c1"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::kAlreadyExists);
  EXPECT_EQ(again.error().reason, "AlreadyExists");

  Json update = *created;
  update["data"]["k"] = "v2";
  auto updated = client().update(resources::configmaps(), update);
  ASSERT_TRUE(updated.has_value()) << updated.error().to_string();
  EXPECT_NE(meta::resource_version(*updated), rv1);

  // Writing with the first resourceVersion again is a conflict, and changes nothing.
  update["data"]["k"] = "stale";
  auto stale = client().update(resources::configmaps(), update);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  EXPECT_NE(stale.error().message.find("the object has been modified"), std::string::npos) << stale.error().message;
  EXPECT_EQ(client().get(resources::configmaps(), ns(), "c1").value()["data"]["k"], "v2");

  auto merged = client().patch(resources::configmaps(), ns(), "c1", PatchType::kMerge, {{"data", {{"m", "1"}}}});
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ((*merged)["data"]["m"], "1") << "merge patch keeps strings strings";
  auto json_patched = client().patch(resources::configmaps(), ns(), "c1", PatchType::kJson,
                                     Json::array({{{"op", "remove"}, {"path", "/data/m"}}}));
  ASSERT_TRUE(json_patched.has_value()) << json_patched.error().to_string();
  EXPECT_FALSE((*json_patched)["data"].contains("m"));

  auto wrong_uid = client().remove(resources::configmaps(), ns(), "c1", {.precondition_uid = "not-the-uid"});
  ASSERT_FALSE(wrong_uid.has_value());
  EXPECT_EQ(wrong_uid.error().kind, ErrorKind::kConflict);

  ASSERT_TRUE(client().remove(resources::configmaps(), ns(), "c1", {.precondition_uid = meta::uid(*created)}).has_value());
  EXPECT_TRUE(is_not_found(client().get(resources::configmaps(), ns(), "c1")));
  auto gone = client().remove(resources::configmaps(), ns(), "c1");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
}

TEST_F(ClientTest, TheRealApiServerRunsPriorityAndFairness) {
  // What `pave controller` asks before choosing its client-side rate limit.
  auto config = load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
  auto transport = Transport::create(config).value();
  auto apf = has_priority_and_fairness(*transport);
  ASSERT_TRUE(apf.has_value()) << apf.error().to_string();
  EXPECT_TRUE(*apf);
}

TEST_F(ClientTest, SpeaksHttp2AndReusesOneConnection) {
  int new_connections = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = client().transport().send({.path = "/api/v1/namespaces/" + ns()});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->http_version, 2) << "the API server offers HTTP/2 over TLS";
    new_connections += r->new_connection;
  }
  EXPECT_LE(new_connections, 1) << "sequential requests must reuse the connection";
}

TEST_F(ClientTest, StatusSubresourceAndDeletePropagation) {
  Json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "j"}, {"namespace", ns()}}},
              {"spec", {{"suspend", true},
                        {"template", {{"spec", {{"restartPolicy", "Never"},
                                                {"containers", Json::array({{{"name", "c"}, {"image", "busybox"}}})}}}}}}}};
  auto created = client().create(resources::jobs(), ns(), job);
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  // The status subresource changes status only; a status in a plain update is ignored.
  // Reads, changes and writes; again on a conflict with the Job controller.
  auto read_modify_write = [&](auto write) {
    for (int attempt = 0;; ++attempt) {
      Json fresh = client().get(resources::jobs(), ns(), "j").value();
      fresh["status"]["failed"] = 7;
      auto r = write(fresh);
      if (r || r.error().kind != ErrorKind::kConflict || attempt == 5) return r;
    }
  };
  auto plain = read_modify_write([&](const Json& j) { return client().update(resources::jobs(), j); });
  ASSERT_TRUE(plain.has_value()) << plain.error().to_string();
  EXPECT_FALSE((*plain)["status"].contains("failed"));
  Json stale = *created;
  stale["status"]["failed"] = 7;
  auto conflict = client().update_status(resources::jobs(), stale);
  ASSERT_FALSE(conflict.has_value()) << "a stale resourceVersion must conflict";
  EXPECT_EQ(conflict.error().kind, ErrorKind::kConflict);
  auto updated = read_modify_write([&](const Json& j) { return client().update_status(resources::jobs(), j); });
  ASSERT_TRUE(updated.has_value()) << updated.error().to_string();
  EXPECT_EQ((*updated)["status"]["failed"], 7);
  EXPECT_EQ(client().get(resources::jobs(), ns(), "j", "status").value()["status"]["failed"], 7);

  // Foreground deletion: the Job stays, with a deletion timestamp and the foreground finalizer, until
  // the garbage collector has removed its dependents; then it is gone.
  ASSERT_TRUE(client().remove(resources::jobs(), ns(), "j", {.propagation_policy = "Foreground"}).has_value());
  auto deleting = client().get(resources::jobs(), ns(), "j");
  if (deleting) {
    EXPECT_TRUE((*deleting)["metadata"].contains("deletionTimestamp"));
  }
  EXPECT_TRUE(testing::eventually([&] { return is_not_found(client().get(resources::jobs(), ns(), "j")); }, 30s));
}

TEST_F(ClientTest, InvalidObjectsComeBackWithTheServersCauses) {
  auto bad = client().create(resources::configmaps(), ns(), config_map("Not_A_Valid_Name"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalid);
  ASSERT_FALSE(bad.error().causes.empty());
  EXPECT_EQ(bad.error().causes[0].field, "metadata.name");
}

TEST_F(ClientTest, ServerSideApplyTracksFieldOwnership) {
  Json desired = config_map("owned", {{"a", "from-alice"}});
  desired["metadata"]["namespace"] = ns();
  ASSERT_TRUE(client().apply(resources::configmaps(), desired, {.field_manager = "alice"}).has_value());

  // Bob sets a field Alice owns: refused with a conflict naming Alice, unless forced.
  Json bobs = config_map("owned", {{"a", "from-bob"}, {"b", "bob"}});
  bobs["metadata"]["namespace"] = ns();
  auto conflict = client().apply(resources::configmaps(), bobs, {.field_manager = "bob"});
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().kind, ErrorKind::kConflict);
  EXPECT_NE(conflict.error().message.find("alice"), std::string::npos) << conflict.error().message;

  auto forced = client().apply(resources::configmaps(), bobs, {.field_manager = "bob", .force = true});
  ASSERT_TRUE(forced.has_value()) << forced.error().to_string();
  EXPECT_EQ((*forced)["data"]["a"], "from-bob");

  // Alice re-applies without field a: she no longer owns it, so it stays with Bob's value.
  Json alice_again = config_map("owned", {{"c", "alice"}});
  alice_again["metadata"]["namespace"] = ns();
  auto reapplied = client().apply(resources::configmaps(), alice_again, {.field_manager = "alice"});
  ASSERT_TRUE(reapplied.has_value()) << reapplied.error().to_string();
  EXPECT_EQ((*reapplied)["data"], (Json{{"a", "from-bob"}, {"b", "bob"}, {"c", "alice"}}));
  std::set<std::string> managers;
  for (const auto& f : (*reapplied)["metadata"]["managedFields"]) managers.insert(f.value("manager", ""));
  EXPECT_EQ(managers, (std::set<std::string>{"alice", "bob"}));

  auto no_manager = client().apply(resources::configmaps(), alice_again, {});
  ASSERT_FALSE(no_manager.has_value());
  EXPECT_EQ(no_manager.error().kind, ErrorKind::kBadRequest);
}

TEST_F(ClientTest, ListAllPagesThroughFiveThousandObjects) {
  constexpr int kCount = 5000;
  constexpr int kThreads = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kCount; i += kThreads) {
        Json cm = config_map("cm-" + std::to_string(i), {{"i", std::to_string(i)}});
        cm["metadata"]["labels"] = {{"parity", i % 2 ? "odd" : "even"}};
        if (!client().create(resources::configmaps(), ns(), cm)) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);

  auto first = client().list(resources::configmaps(), ns(), {.limit = 700});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->items.size(), 700u);
  EXPECT_FALSE(first->continue_token.empty());

  auto all = client().list_all(resources::configmaps(), ns(), {.label_selector = "parity in (odd,even)"}, 700);
  ASSERT_TRUE(all.has_value()) << all.error().to_string();
  std::set<std::string> names;
  for (const auto& item : all->items) {
    names.insert(meta::name(item));
    EXPECT_EQ(item["kind"], "ConfigMap");
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kCount)) << "no object lost or repeated across pages";
  EXPECT_EQ(all->items.size(), static_cast<size_t>(kCount));

  auto odd = client().list_all(resources::configmaps(), ns(), {.label_selector = "parity=odd"}, 1000);
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->items.size(), static_cast<size_t>(kCount / 2));
}

TEST_F(ClientTest, RestMapperFindsBuiltInKindsAndACrdOnceEstablished) {
  RestMapper mapper(client(), 0ms);
  auto cm = mapper.resource_for(GroupVersionKind{"", "v1", "ConfigMap"});
  ASSERT_TRUE(cm.has_value()) << cm.error().to_string();
  EXPECT_EQ(cm->plural, "configmaps");
  EXPECT_TRUE(cm->namespaced);
  auto ns_kind = mapper.resource_for(Json{{"apiVersion", "v1"}, {"kind", "Namespace"}});
  ASSERT_TRUE(ns_kind.has_value());
  EXPECT_FALSE(ns_kind->namespaced);

  const std::string group = ns() + ".mapper.test";
  const GroupVersionKind gadget{group, "v1", "Gadget"};
  auto unknown = mapper.resource_for(gadget);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(unknown.error().reason, "NoKindMatch");

  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"}, {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "gadgets." + group}}},
              {"spec", {{"group", group}, {"scope", "Cluster"},
                        {"names", {{"plural", "gadgets"}, {"singular", "gadget"}, {"kind", "Gadget"}}},
                        {"versions", Json::array({{{"name", "v1"}, {"served", true}, {"storage", true},
                                                   {"schema", {{"openAPIV3Schema", {{"type", "object"},
                                                     {"x-kubernetes-preserve-unknown-fields", true}}}}}}})}}}};
  ASSERT_TRUE(client().create(resources::custom_resource_definitions(), "", crd).has_value());
  EXPECT_TRUE(testing::eventually([&] { return mapper.resource_for(gadget).has_value(); }, 30s));
  auto found = mapper.resource_for(gadget);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->plural, "gadgets");
  EXPECT_FALSE(found->namespaced);
  client().remove(resources::custom_resource_definitions(), "", "gadgets." + group);
}

TEST_F(ClientTest, KubeconfigWithClientCertificateFiles) {
  auto dir = base::TempDir::create("certs").value();
  write_file(dir.path() / "admin.crt", admin_config_.client_cert_data);
  write_file(dir.path() / "admin.key", admin_config_.client_key_data);
  write_file(dir.path() / "ca.crt", admin_config_.ca_data);
  write_file(dir.path() / "config", kubeconfig_with_user("    client-certificate: admin.crt\n    client-key: admin.key\n",
                                                        "    certificate-authority: ca.crt\n"));
  auto config = load_kubeconfig({.paths = {(dir.path() / "config").string()}});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->describe(), "server=" + admin_config_.server + " auth=client-certificate tls=verified");
  auto c = make_client(*config).value();
  EXPECT_EQ(whoami(c), "pave-admin");
  EXPECT_TRUE(c.get(resources::namespaces(), "", ns()).has_value());
}

TEST_F(ClientTest, KubeconfigWithATokenIsBoundByItsRbac) {
  const std::string token = service_account_token("robot");
  auto dir = base::TempDir::create("token").value();
  write_file(dir.path() / "token-config", kubeconfig_with_user("    token: " + token + "\n"));
  write_file(dir.path() / "tok", token + "\n");
  write_file(dir.path() / "file-config", kubeconfig_with_user("    tokenFile: tok\n"));
  for (const char* file : {"token-config", "file-config"}) {
    auto c = make_client(load_kubeconfig({.paths = {(dir.path() / file).string()}}).value()).value();
    EXPECT_EQ(whoami(c), "system:serviceaccount:" + ns() + ":robot") << file;
    auto denied = c.list(resources::configmaps(), ns());
    ASSERT_FALSE(denied.has_value()) << file;
    EXPECT_EQ(denied.error().kind, ErrorKind::kForbidden);
  }

  // Granting list on ConfigMaps in the namespace lets the same credentials through, and no further.
  ASSERT_TRUE(client().create(Resource{"rbac.authorization.k8s.io", "v1", "roles", "Role", true}, ns(),
      {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "Role"}, {"metadata", {{"name", "read-cm"}}},
       {"rules", Json::array({{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"list"}}}})}}).has_value());
  ASSERT_TRUE(client().create(Resource{"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true}, ns(),
      {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"}, {"metadata", {{"name", "robot-read"}}},
       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "read-cm"}}},
       {"subjects", Json::array({{{"kind", "ServiceAccount"}, {"name", "robot"}, {"namespace", ns()}}})}}).has_value());
  auto c = make_client(load_kubeconfig({.paths = {(dir.path() / "token-config").string()}}).value()).value();
  EXPECT_TRUE(testing::eventually([&] { return c.list(resources::configmaps(), ns()).has_value(); }, 10s));
  auto secrets = c.list(resources::secrets(), ns());
  ASSERT_FALSE(secrets.has_value());
  EXPECT_EQ(secrets.error().kind, ErrorKind::kForbidden);
}

TEST_F(ClientTest, ExecCredentialPluginSuppliesTheToken) {
  const std::string token = service_account_token("exec-robot");
  auto dir = base::TempDir::create("exec").value();
  write_file(dir.path() / "token", token);
  write_file(dir.path() / "plugin.sh",
             "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"%s\"}}' \"$(cat \"$TOKEN_FILE\")\"\n");
  std::filesystem::permissions(dir.path() / "plugin.sh", std::filesystem::perms::owner_all);
  write_file(dir.path() / "config", kubeconfig_with_user(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n"
      "      env: [{name: TOKEN_FILE, value: " + (dir.path() / "token").string() + "}]\n"));
  auto config = load_kubeconfig({.paths = {(dir.path() / "config").string()}});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  auto c = make_client(*config).value();
  EXPECT_EQ(whoami(c), "system:serviceaccount:" + ns() + ":exec-robot");
}

TEST_F(ClientTest, TlsIsVerifiedUnlessTheKubeconfigSaysInsecure) {
  // A CA that did not sign the server's certificate.
  auto dir = base::TempDir::create("tls").value();
  auto made = base::run({.argv = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-days", "1", "-subj", "/CN=other-ca", "-keyout",
                                  (dir.path() / "k").string(), "-out", (dir.path() / "ca.crt").string()}});
  ASSERT_TRUE(made.ok()) << made.err;
  std::ifstream in(dir.path() / "ca.crt");
  std::string other_ca((std::istreambuf_iterator<char>(in)), {});
  const std::string user = "    client-certificate-data: " + base64(admin_config_.client_cert_data) +
                           "\n    client-key-data: " + base64(admin_config_.client_key_data) + "\n";

  auto wrong = parse_kubeconfig(kubeconfig_with_user(user, "    certificate-authority-data: " + base64(other_ca) + "\n"), "");
  auto refused = make_client(wrong.value())->get(resources::namespaces(), "", "default");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::kTls) << refused.error().to_string();
  EXPECT_FALSE(refused.error().retriable());

  auto insecure = parse_kubeconfig(kubeconfig_with_user(user, "    insecure-skip-tls-verify: true\n"), "");
  EXPECT_TRUE(make_client(insecure.value())->get(resources::namespaces(), "", "default").has_value());
}

}  // namespace
}  // namespace pave::kube
