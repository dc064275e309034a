// Where a resource request lives: the API a Promise's spec.api declares.
#include <gtest/gtest.h>

#include "platform/request_placement_reporter.h"

namespace pave::platform {
namespace {

using kube::Json;

TEST(RequestResource, IsTheStorageVersionOfThePromisesApi) {
  const Json promise = Json::parse(R"({"spec": {"api": {"spec": {"group": "marketplace.kratix.io",
      "names": {"kind": "Redis", "plural": "redis"}, "scope": "Namespaced",
      "versions": [{"name": "v1alpha1", "served": true}, {"name": "v1", "served": true, "storage": true}]}}}})");
  auto r = request_resource(promise);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->group, "marketplace.kratix.io");
  EXPECT_EQ(r->version, "v1");
  EXPECT_EQ(r->plural, "redis");
  EXPECT_EQ(r->kind, "Redis");
  EXPECT_TRUE(r->namespaced);
}

TEST(RequestResource, IsNothingForAPromiseWithoutAnApi) {
  EXPECT_FALSE(request_resource(Json::parse(R"({"spec": {}})")).has_value());
  EXPECT_FALSE(request_resource(Json::parse(R"({"spec": {"api": null}})")).has_value());
  EXPECT_FALSE(request_resource(Json::parse(R"({"spec": {"api": {}}})")).has_value());
  EXPECT_FALSE(request_resource(Json::parse(R"({"metadata": {"name": "x"}})")).has_value());
}

TEST(RequestResource, KnowsClusterScopedApis) {
  auto r = request_resource(Json::parse(R"({"spec": {"api": {"spec": {"group": "g.io", "scope": "Cluster",
      "names": {"kind": "Thing", "plural": "things"}, "versions": [{"name": "v1"}]}}}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->namespaced);
  EXPECT_EQ(r->version, "v1");
}

}  // namespace
}  // namespace pave::platform
