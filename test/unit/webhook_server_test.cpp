// The webhook server as the API server uses it: AdmissionReviews over TLS answered by the handler of
// their path (allowed, refused with a message, or patched), a throwing handler refusing rather than
// crashing, and a replaced certificate served from the next connection on.
#include <gtest/gtest.h>

#include "base/certificates.h"
#include "base/encoding.h"
#include "base/http_client.h"
#include "kube/webhook_server.h"

namespace pave::kube {
namespace {

using namespace std::chrono_literals;

struct Identity {
  base::CertificateAndKey ca, serving;
};

Identity identity() {
  auto ca = base::make_certificate_authority("test-ca", 24h).value();
  auto serving = base::make_serving_certificate(ca, {.common_name = "w", .ip_addresses = {"127.0.0.1"}, .validity = 24h}).value();
  return {ca, serving};
}

Json review(const Json& object, const std::string& operation = "CREATE") {
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"},
          {"request", {{"uid", "0df28fbd-5f5f-11e8-9e1b-0242ac110002"}, {"operation", operation}, {"name", "x"},
                       {"userInfo", {{"username", "alice"}, {"groups", {"system:authenticated"}}}}, {"object", object}}}};
}

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.handle("/validate", [](const AdmissionRequest& r) {
      if (r.object.value("bad", false)) return AdmissionResponse::deny("bad is set", {"Warning: look again"});
      return AdmissionResponse::allow({r.username + " " + r.operation});
    });
    server_.handle("/default", [](const AdmissionRequest& r) {
      AdmissionResponse response;
      response.mutated = r.object;
      (*response.mutated)["spec"]["filename"] = "aggregated.yaml";
      return response;
    });
    server_.handle("/throws", [](const AdmissionRequest&) -> AdmissionResponse { throw std::runtime_error("boom"); });
    ASSERT_TRUE(server_.set_certificate(first_.serving.certificate, first_.serving.key).has_value());
    ASSERT_TRUE(server_.start().has_value());
  }

  std::expected<Json, base::HttpFailure> post(const std::string& path, const Json& body, const std::string& ca) {
    auto answer = base::http_request({.method = "POST", .url = "https://127.0.0.1:" + std::to_string(server_.port()) + path,
                                      .headers = {{"Content-Type", "application/json"}}, .body = body.dump(), .ca_bundle = ca});
    if (!answer) return std::unexpected(answer.error());
    return Json::parse(answer->body, nullptr, false);
  }

  Identity first_ = identity();
  WebhookServer server_{"127.0.0.1", 0};
};

TEST_F(WebhookServerTest, AnswersAllowRefuseAndPatch) {
  auto allowed = post("/validate", review({{"spec", Json::object()}}), first_.ca.certificate);
  ASSERT_TRUE(allowed.has_value()) << allowed.error().message;
  EXPECT_EQ((*allowed)["kind"], "AdmissionReview");
  EXPECT_EQ((*allowed)["response"]["uid"], "0df28fbd-5f5f-11e8-9e1b-0242ac110002");
  EXPECT_EQ((*allowed)["response"]["allowed"], true);
  EXPECT_EQ((*allowed)["response"]["warnings"], Json::array({"alice CREATE"}));

  auto refused = post("/validate", review({{"bad", true}}), first_.ca.certificate);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ((*refused)["response"]["allowed"], false);
  EXPECT_EQ((*refused)["response"]["status"]["message"], "bad is set");
  EXPECT_EQ((*refused)["response"]["status"]["code"], 403);
  EXPECT_EQ((*refused)["response"]["warnings"], Json::array({"Warning: look again"}));

  auto patched = post("/default", review({{"spec", {{"path", "p"}}}}), first_.ca.certificate);
  ASSERT_TRUE(patched.has_value());
  EXPECT_EQ((*patched)["response"]["patchType"], "JSONPatch");
  const Json patch = Json::parse(base::base64_decode((*patched)["response"]["patch"].get<std::string>()).value());
  EXPECT_EQ(Json({{"spec", {{"path", "p"}}}}).patch(patch), Json({{"spec", {{"path", "p"}, {"filename", "aggregated.yaml"}}}}));

  auto thrown = post("/throws", review(Json::object()), first_.ca.certificate);
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ((*thrown)["response"]["allowed"], false);
  EXPECT_NE((*thrown)["response"]["status"]["message"].get<std::string>().find("boom"), std::string::npos);

  auto not_a_review = base::http_request({.method = "POST", .url = "https://127.0.0.1:" + std::to_string(server_.port()) + "/validate",
                                          .body = "{}", .ca_bundle = first_.ca.certificate});
  ASSERT_TRUE(not_a_review.has_value());
  EXPECT_EQ(not_a_review->status, 400);
}

TEST_F(WebhookServerTest, AReplacedCertificateIsServedFromTheNextConnection) {
  ASSERT_TRUE(post("/validate", review(Json::object()), first_.ca.certificate).has_value());
  const Identity second = identity();
  EXPECT_FALSE(server_.set_certificate(second.serving.certificate, first_.serving.key).has_value()) << "a key of another certificate";
  ASSERT_TRUE(server_.set_certificate(second.serving.certificate, second.serving.key).has_value());
  auto old_ca = post("/validate", review(Json::object()), first_.ca.certificate);
  ASSERT_FALSE(old_ca.has_value());
  EXPECT_EQ(old_ca.error().kind, base::HttpFailure::Kind::kTls);
  EXPECT_TRUE(post("/validate", review(Json::object()), second.ca.certificate).has_value());
  // A bundle of both CAs (what a caBundle holds while a CA rotates) trusts either.
  EXPECT_TRUE(post("/validate", review(Json::object()), first_.ca.certificate + second.ca.certificate).has_value());
}

}  // namespace
}  // namespace pave::kube
