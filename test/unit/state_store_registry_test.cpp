// StateStoreRegistry: writers by kind and name, and the listeners told when one opens.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "platform/state_store_registry.h"
#include "support/cluster.h"

namespace pave::platform {
namespace {

class NullWriter : public statestore::Writer {
 public:
  using Writer::submit;
  void submit(statestore::Change, OnWritten on_written) override { on_written(statestore::WriteResult{}); }
  kube::Result<std::optional<std::string>> read_file(const std::string&) override { return std::nullopt; }
};

TEST(StateStoreRegistry, TellsListenersWhenAWriterOpens) {
  StateStoreRegistry registry;
  std::vector<std::string> opened;
  registry.on_opened([&](const std::string& kind, const std::string& name) {
    EXPECT_NE(registry.get(kind, name), nullptr) << "the writer is there when listeners hear of it";
    opened.push_back(kind + "/" + name);
  });
  EXPECT_EQ(registry.get("GitStateStore", "a"), nullptr);
  registry.put("GitStateStore", "a", "1/rv", std::make_shared<NullWriter>());
  registry.put("BucketStateStore", "b", "1/rv", std::make_shared<NullWriter>());
  EXPECT_EQ(opened, (std::vector<std::string>{"GitStateStore/a", "BucketStateStore/b"}));
  EXPECT_EQ(registry.version("GitStateStore", "a"), "1/rv");
  registry.retire("GitStateStore", "a");
  EXPECT_EQ(registry.get("GitStateStore", "a"), nullptr);
}

// A writer whose close() waits until the test lets it go, as one pushing to a hung remote would.
class SlowToCloseWriter : public NullWriter {
 public:
  explicit SlowToCloseWriter(std::shared_future<void> release) : release_(std::move(release)) {}
  void close() override {
    release_.wait();
    closed = true;
  }
  std::atomic<bool> closed = false;

 private:
  std::shared_future<void> release_;
};

TEST(StateStoreRegistry, RetiringAWriterWaitsForItsCloseOnNobodysThread) {
  StateStoreRegistry registry;
  std::promise<void> release;
  auto slow = std::make_shared<SlowToCloseWriter>(release.get_future().share());
  registry.put("GitStateStore", "slow", "1/a", slow);
  registry.put("GitStateStore", "other", "1/a", std::make_shared<NullWriter>());
  std::promise<void> closed;
  registry.retire("GitStateStore", "slow", [&] { closed.set_value(); });

  // Gone from the registry at once, and still closing; other stores come and go meanwhile.
  EXPECT_EQ(registry.get("GitStateStore", "slow"), nullptr);
  EXPECT_TRUE(registry.closing("GitStateStore", "slow"));
  EXPECT_FALSE(registry.closing("GitStateStore", "other"));
  EXPECT_NE(registry.get("GitStateStore", "other"), nullptr);
  registry.put("GitStateStore", "other", "2/b", std::make_shared<NullWriter>());
  registry.retire("GitStateStore", "other");
  EXPECT_FALSE(slow->closed);

  release.set_value();
  ASSERT_EQ(closed.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(slow->closed);
  EXPECT_FALSE(registry.closing("GitStateStore", "slow"));
}

TEST(StateStoreRegistry, ReplacingAWriterClosesTheOldOneInTheBackground) {
  StateStoreRegistry registry;
  std::promise<void> release;
  auto slow = std::make_shared<SlowToCloseWriter>(release.get_future().share());
  registry.put("BucketStateStore", "b", "1/a", slow);
  registry.put("BucketStateStore", "b", "1/b", std::make_shared<NullWriter>());  // returns though the old one hangs
  EXPECT_TRUE(registry.closing("BucketStateStore", "b"));
  EXPECT_EQ(registry.version("BucketStateStore", "b"), "1/b");
  release.set_value();
  EXPECT_TRUE(testing::eventually([&] { return !registry.closing("BucketStateStore", "b"); }, std::chrono::seconds(10)));
  EXPECT_TRUE(slow->closed);
  EXPECT_FALSE(registry.closing("BucketStateStore", "b"));
}

TEST(StateStoreRegistry, GoingAwayClosesEveryWriter) {
  std::promise<void> release;
  release.set_value();
  auto writer = std::make_shared<SlowToCloseWriter>(release.get_future().share());
  {
    StateStoreRegistry registry;
    registry.put("GitStateStore", "a", "1/a", writer);
  }
  EXPECT_TRUE(writer->closed);
}

TEST(Writer, SubmitWithoutACallbackGivesAFuture) {
  NullWriter writer;
  auto written = writer.submit(statestore::Change{.placement = "p"}).get();
  ASSERT_TRUE(written.has_value());
  EXPECT_FALSE(written->changed);
}

}  // namespace
}  // namespace pave::platform
