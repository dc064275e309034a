// The object cache, plain and compact: the same answers either way.
#include <gtest/gtest.h>

#include "kube/object.h"
#include "kube/store.h"

namespace pave::kube {
namespace {

ObjectPtr object(const std::string& ns, const std::string& name, const std::string& team, int rv) {
  return std::make_shared<const Json>(Json{
      {"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", std::to_string(rv)}, {"labels", {{"team", team}}}}},
      {"spec", {{"replicas", 3}, {"ratio", 0.5}, {"enabled", true}, {"note", "ünïcode"}, {"items", Json::array({1, "two", nullptr})}}}});
}

class StoreTest : public ::testing::TestWithParam<bool> {};

TEST_P(StoreTest, GetsListsIndexesReplacesAndErases) {
  Store store(GetParam());
  store.add_index("team", indexes::by_label("team"));
  EXPECT_EQ(store.upsert(object("a", "x", "red", 1)), nullptr);
  EXPECT_EQ(store.upsert(object("a", "y", "red", 2)), nullptr);
  EXPECT_EQ(store.upsert(object("b", "x", "blue", 3)), nullptr);
  ASSERT_NE(store.get("a/x"), nullptr);
  EXPECT_EQ(*store.get("a/x"), *object("a", "x", "red", 1)) << "every value type survives";
  EXPECT_EQ(store.get("c/x"), nullptr);
  EXPECT_EQ(store.resource_version("a/x"), "1");
  EXPECT_EQ(store.resource_version("c/x"), std::nullopt);
  EXPECT_EQ(store.list().size(), 3u);
  EXPECT_EQ(store.by_index("team", "red").size(), 2u);

  ObjectPtr previous = store.upsert(object("a", "y", "blue", 4));
  ASSERT_NE(previous, nullptr);
  EXPECT_EQ(meta::resource_version(*previous), "2") << "the replaced object is handed back";
  EXPECT_EQ(store.by_index("team", "red").size(), 1u);
  EXPECT_EQ(store.by_index("team", "blue").size(), 2u);

  ObjectPtr gone = store.erase("b/x");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(meta::name(*gone), "x");
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.by_index("team", "blue").size(), 1u);
  EXPECT_EQ(store.erase("b/x"), nullptr);
}

TEST_P(StoreTest, AnIndexAddedLaterCoversWhatIsCached) {
  Store store(GetParam());
  store.upsert(object("a", "x", "red", 1));
  store.add_index("team", indexes::by_label("team"));
  EXPECT_EQ(store.by_index("team", "red").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(PlainAndCompact, StoreTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Compact" : "Plain"; });

}  // namespace
}  // namespace pave::kube
