// StateStoreRegistry: writers by kind and name, and the listeners told when one opens.
#include <gtest/gtest.h>

#include "platform/state_store_registry.h"

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
  registry.erase("GitStateStore", "a");
  EXPECT_EQ(registry.get("GitStateStore", "a"), nullptr);
}

TEST(Writer, SubmitWithoutACallbackGivesAFuture) {
  NullWriter writer;
  auto written = writer.submit(statestore::Change{.placement = "p"}).get();
  ASSERT_TRUE(written.has_value());
  EXPECT_FALSE(written->changed);
}

}  // namespace
}  // namespace pave::platform
