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

TEST(RequestResource, IsNothingForAMalformedApiRatherThanACrash) {
  // spec.api is free-form in the CRD: anything may be there.
  EXPECT_FALSE(request_resource(Json::parse(R"({"spec": {"api": {"spec": {"group": 1, "names": "x", "versions": ["v1"]}}}})")).has_value());
  EXPECT_FALSE(request_resource(Json::parse(R"({"spec": {"api": "redis"}})")).has_value());
  auto r = request_resource(Json::parse(R"({"spec": {"api": {"spec": {"group": "g.io", "names": {"plural": "xs", "kind": "X"},
      "versions": [{"name": "v1", "storage": "true"}, 7]}}}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->version, "v1");
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
