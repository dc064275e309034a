// Watches and informers against a real API server, with the connection cut under them and etcd
// compacted behind them. The cluster runs with the watch cache off, so a watch from a compacted
// version reaches etcd and is refused with 410 Gone, as it would be after a long outage.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "kube/informer.h"
#include "kube/object.h"
#include "support/cluster_environment.h"
#include "support/tcp_proxy.h"

namespace pave::kube {
namespace {

using namespace std::chrono_literals;
using testing::ClusterTest;
using testing::eventually;

// Every event an informer delivered, in order, with the object's version.
class Recorder {
 public:
  EventHandler handler() {
    return {.on_add = [this](const ObjectPtr& o) { record("add", *o); },
            .on_update = [this](const ObjectPtr&, const ObjectPtr& o) { record("update", *o); },
            .on_delete = [this](const ObjectPtr& o) { record("delete", *o); }};
  }
  struct Event {
    std::string type, name, version;
  };
  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  // The state handlers were told: name -> version, from replaying every event.
  std::map<std::string, std::string> replayed() const {
    std::map<std::string, std::string> state;
    for (const auto& e : events()) {
      if (e.type == "delete") state.erase(e.name);
      else state[e.name] = e.version;
    }
    return state;
  }

 private:
  void record(const char* type, const Json& o) {
    std::lock_guard lock(mu_);
    events_.push_back({type, meta::name(o), meta::resource_version(o)});
  }
  mutable std::mutex mu_;
  std::vector<Event> events_;
};

Json config_map(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"v", value}}}};
}

class InformerTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    config_ = load_kubeconfig({.paths = {cluster().kubeconfig}}).value();
    config_.qps = 0;
    client_.emplace(make_client(config_).value());
  }

  // A client whose connections pass through a proxy the test can cut.
  Client client_through(const testing::TcpProxy& proxy) const {
    Config c = config_;
    c.server = "https://127.0.0.1:" + std::to_string(proxy.port());
    return make_client(c).value();
  }

  int api_port() const { return std::stoi(config_.server.substr(config_.server.rfind(':') + 1)); }

  // name -> resourceVersion of every ConfigMap in the namespace, as the server has them now.
  std::map<std::string, std::string> server_state() const {
    std::map<std::string, std::string> state;
    const auto list = client_->list_all(resources::configmaps(), ns()).value();
    for (const auto& o : list.items) {
      state[meta::name(o)] = meta::resource_version(o);
    }
    return state;
  }
  static std::map<std::string, std::string> cache_state(const Informer& informer) {
    std::map<std::string, std::string> state;
    for (const auto& o : informer.store().list()) state[meta::name(*o)] = meta::resource_version(*o);
    return state;
  }

  // Changes made while an informer cannot see: update some, delete some, create some.
  void change_behind_its_back(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      const std::string name = "cm-" + std::to_string(i);
      if (i % 3 == 0) {
        ASSERT_TRUE(client_->remove(resources::configmaps(), ns(), name).has_value());
      } else {
        ASSERT_TRUE(client_->patch(resources::configmaps(), ns(), name, PatchType::kMerge,
                                   {{"data", {{"v", "changed"}}}}).has_value());
      }
      ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("new-" + std::to_string(i), "n")).has_value());
    }
  }

  // No object was told twice at the same version, and replaying the events gives the server's state.
  void expect_told_exactly_once(const Recorder& recorder) {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& e : recorder.events()) {
      if (e.type == "delete") continue;
      EXPECT_TRUE(seen.insert({e.name, e.version}).second) << e.type << " of " << e.name << "@" << e.version << " told twice";
    }
    EXPECT_EQ(recorder.replayed(), server_state());
  }

  Config config_;
  std::optional<Client> client_;
};

TEST_F(InformerTest, ResumesAfterTheConnectionDropsWithoutLosingOrRepeatingEvents) {
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("cm-" + std::to_string(i), "0")));
  testing::TcpProxy proxy("127.0.0.1", api_port());
  Informer informer(client_through(proxy), resources::configmaps(), {.namespace_ = ns()});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));
  EXPECT_EQ(informer.store().size(), 31u) << "30 ConfigMaps and the namespace's kube-root-ca.crt";

  // Cut every connection and refuse new ones for a while; change things meanwhile.
  proxy.set_blocked(true);
  proxy.drop_all();
  change_behind_its_back(0, 15);
  std::this_thread::sleep_for(1s);
  proxy.set_blocked(false);

  ASSERT_TRUE(eventually([&] { return cache_state(informer) == server_state(); }, 30s))
      << "the cache did not catch up after the connection came back";
  EXPECT_GE(informer.stats().watches, 2) << "the informer did not watch again";
  expect_told_exactly_once(recorder);
}

TEST_F(InformerTest, AHandlerThatThrowsCostsOnlyThatEventForThatHandler) {
  Informer informer(*client_, resources::configmaps(), {.namespace_ = ns()});
  // The first handler throws for "bad" objects (as a library may, on input nobody foresaw); the second
  // must still hear of everything, and the informer must go on watching.
  std::atomic<int> thrown = 0;
  informer.add_handler({.on_add = [&](const ObjectPtr& o) {
                          if (meta::name(*o).starts_with("bad")) {
                            ++thrown;
                            (void)o->at("data").at("missing").get<std::string>();  // nlohmann throws
                          }
                        },
                        .on_update = [](const ObjectPtr&, const ObjectPtr& o) { (void)o->at("nope"); }});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("bad-1", "x")));
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("good-1", "x")));
  ASSERT_TRUE(client_->patch(resources::configmaps(), ns(), "good-1", PatchType::kMerge, {{"data", {{"v", "y"}}}}));
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("bad-2", "x")));
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("good-2", "x")));
  ASSERT_TRUE(eventually([&] { return recorder.replayed() == server_state(); }, 30s))
      << "the other handler missed events after the first one threw";
  EXPECT_EQ(thrown.load(), 2);
  EXPECT_EQ(cache_state(informer), server_state());
  EXPECT_EQ(informer.stats().lists, 1) << "a handler's exception is not the watch's failure";
}

TEST_F(InformerTest, ListsAfreshWhenItsVersionWasCompactedAndTellsOnlyTheDifference) {
  if (cluster().etcd.empty()) GTEST_FAIL() << "this test compacts etcd: run it on a cluster it starts, or set PAVE_TEST_ETCD";
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("cm-" + std::to_string(i), "0")));
  testing::TcpProxy proxy("127.0.0.1", api_port());
  Informer informer(client_through(proxy), resources::configmaps(), {.namespace_ = ns()});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));
  const size_t told_before = recorder.events().size();

  proxy.set_blocked(true);
  proxy.drop_all();
  change_behind_its_back(0, 15);
  // Compact etcd up to its current revision, so the informer's last version no longer exists.
  auto range = base::run({.argv = {"curl", "-sf", "-X", "POST", cluster().etcd + "/v3/kv/range", "-d", R"({"key":"AA=="})"}});
  ASSERT_TRUE(range.ok()) << range.err;
  const std::string revision = Json::parse(range.out)["header"]["revision"].get<std::string>();
  auto compact = base::run({.argv = {"curl", "-sf", "-X", "POST", cluster().etcd + "/v3/kv/compaction", "-d",
                                     R"({"revision":")" + revision + R"(","physical":true})"}});
  ASSERT_TRUE(compact.ok()) << compact.err;
  proxy.set_blocked(false);

  ASSERT_TRUE(eventually([&] { return cache_state(informer) == server_state(); }, 30s));
  EXPECT_GE(informer.stats().gone, 1) << "the watch was expected to be refused as too old";
  EXPECT_GE(informer.stats().lists, 2);
  expect_told_exactly_once(recorder);
  // 15 changes (5 deletes, 10 updates) and 15 creations: exactly 30 more events.
  EXPECT_EQ(recorder.events().size() - told_before, 30u);
}

TEST_F(InformerTest, CacheEqualsAFreshListAfterTenThousandConcurrentWrites) {
  Informer informer(*client_, resources::configmaps(), {.namespace_ = ns()});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));

  constexpr int kWriters = 4, kWritesEach = 2500, kNames = 400;
  std::atomic<int> writes{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < kWritesEach; ++i) {
        const std::string name = "cm-" + std::to_string(rng() % kNames);
        switch (rng() % 4) {
          case 0: client_->remove(resources::configmaps(), ns(), name); break;
          case 1: client_->create(resources::configmaps(), ns(), config_map(name, std::to_string(i))); break;
          default:
            if (!client_->patch(resources::configmaps(), ns(), name, PatchType::kMerge, {{"data", {{"v", std::to_string(i)}}}})) {
              client_->create(resources::configmaps(), ns(), config_map(name, std::to_string(i)));
            }
        }
        ++writes;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(writes.load(), kWriters * kWritesEach);
  ASSERT_TRUE(eventually([&] { return cache_state(informer) == server_state(); }, 60s))
      << "cache has " << informer.store().size() << " objects";
  expect_told_exactly_once(recorder);
}

TEST_F(InformerTest, IndexesHandlersAddedLateAndResync) {
  for (int i = 0; i < 6; ++i) {
    Json cm = config_map("cm-" + std::to_string(i), "x");
    cm["metadata"]["labels"] = {{"team", i < 4 ? "a" : "b"}};
    ASSERT_TRUE(client_->create(resources::configmaps(), ns(), cm));
  }
  Informer informer(*client_, resources::configmaps(), {.namespace_ = ns(), .resync_period = 300ms});
  informer.add_index("team", indexes::by_label("team"));
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));
  EXPECT_EQ(informer.store().by_index("team", "a").size(), 4u);
  EXPECT_EQ(informer.store().by_index("team", "b").size(), 2u);
  EXPECT_EQ(informer.store().get(ns() + "/cm-0")->at("data").at("v"), "x");
  EXPECT_FALSE(informer.store().get(ns() + "/cm-0")->at("metadata").contains("managedFields"));

  // A handler added after sync is first told of every cached object, then of resyncs.
  std::atomic<int> adds{0}, resyncs{0};
  informer.add_handler({.on_add = [&](const ObjectPtr&) { ++adds; },
                        .on_update = [&](const ObjectPtr& a, const ObjectPtr& b) { if (a == b) ++resyncs; }});
  EXPECT_EQ(adds.load(), 7) << "6 ConfigMaps and kube-root-ca.crt";
  EXPECT_TRUE(eventually([&] { return resyncs.load() >= 14; }, 5s)) << "two resync rounds expected";

  // Moving an object between index values moves it in the index.
  ASSERT_TRUE(client_->patch(resources::configmaps(), ns(), "cm-0", PatchType::kMerge,
                             {{"metadata", {{"labels", {{"team", "b"}}}}}}));
  EXPECT_TRUE(eventually([&] { return informer.store().by_index("team", "b").size() == 3; }, 10s));
  EXPECT_EQ(informer.store().by_index("team", "a").size(), 3u);
}

TEST_F(InformerTest, MetadataOnlyInformerCachesNamesAndLabelsButNoData) {
  Json cm = config_map("big", std::string(10000, 'x'));
  cm["metadata"]["labels"] = {{"kind", "big"}};
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), cm));
  Informer informer(*client_, resources::configmaps(), {.namespace_ = ns(), .metadata_only = true});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(30s));
  auto cached = informer.store().get(ns() + "/big");
  ASSERT_TRUE(cached);
  EXPECT_EQ(meta::labels(*cached).at("kind"), "big");
  EXPECT_FALSE(cached->contains("data"));
  // Later changes arrive as metadata too.
  ASSERT_TRUE(client_->create(resources::configmaps(), ns(), config_map("second", "y")));
  ASSERT_TRUE(eventually([&] { return informer.store().get(ns() + "/second") != nullptr; }, 10s));
  EXPECT_FALSE(informer.store().get(ns() + "/second")->contains("data"));
}

}  // namespace
}  // namespace pave::kube

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new pave::testing::ClusterEnvironment({.apiserver_args = {"--watch-cache=false"}}));
  return RUN_ALL_TESTS();
}
