#include "statestore/github_app.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "base/encoding.h"
#include "base/http_client.h"
#include "kube/json.h"
#include "kube/time.h"

namespace pave::statestore {
namespace {

using kube::ErrorKind;

// base64url without padding (RFC 7515).
std::string base64url(std::string_view data) {
  std::string s = base::base64_encode(data);
  for (char& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

kube::Result<std::string> rs256(const std::string& pem, const std::string& signing_input) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                                          EVP_PKEY_free);
  if (!key) return std::unexpected(kube::make_error(ErrorKind::kInvalid, "the GitHub App's privateKey is not a PEM private key"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "the GitHub App's privateKey cannot sign (an RSA key is needed)"));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "signing the GitHub App's JWT failed"));
  }
  signature.resize(length);
  return signature;
}

}  // namespace

kube::Result<std::string> github_app_jwt(const std::string& app_id, const std::string& private_key_pem,
                                         std::chrono::system_clock::time_point now) {
  if (app_id.empty()) return std::unexpected(kube::make_error(ErrorKind::kInvalid, "the GitHub App's appID is empty"));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const kube::Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  // GitHub wants the App id as the issuer; a number or its text both work, the text is what is given.
  const kube::Json claims = {{"iat", seconds - 60}, {"exp", seconds + 540}, {"iss", app_id}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  auto signature = rs256(private_key_pem, input);
  if (!signature) return std::unexpected(signature.error());
  return input + "." + base64url(*signature);
}

kube::Result<std::string> GitHubAppTokens::token() {
  std::lock_guard lock(mu_);
  if (!token_.empty() && std::chrono::system_clock::now() + std::chrono::minutes(5) < expires_) return token_;
  auto fresh = fetch();
  if (!fresh) return std::unexpected(fresh.error());
  return token_;
}

void GitHubAppTokens::invalidate() {
  std::lock_guard lock(mu_);
  token_.clear();
}

int GitHubAppTokens::fetched() const {
  std::lock_guard lock(mu_);
  return fetched_;
}

kube::Result<std::string> GitHubAppTokens::fetch() {
  if (config_.installation_id.empty()) {
    return std::unexpected(kube::make_error(ErrorKind::kInvalid, "the GitHub App's installationID is empty"));
  }
  auto jwt = github_app_jwt(config_.app_id, config_.private_key, std::chrono::system_clock::now());
  if (!jwt) return std::unexpected(jwt.error());
  std::string api = config_.api_url;
  while (!api.empty() && api.back() == '/') api.pop_back();
  const std::string url = api + "/app/installations/" + base::percent_encode(config_.installation_id) + "/access_tokens";

  auto response = base::http_request({.method = "POST", .url = url,
                                      .headers = {{"Authorization", "Bearer " + *jwt},
                                                  {"Accept", "application/vnd.github+json"},
                                                  {"X-GitHub-Api-Version", "2022-11-28"},
                                                  {"User-Agent", "pave"}},
                                      .ca_bundle = config_.ca_bundle});
  if (!response) {
    return std::unexpected(kube::make_error(response.error().kind == base::HttpFailure::Kind::kTls ? ErrorKind::kTls : ErrorKind::kTransport,
                                            "GitHub App token from " + api + ": " + response.error().message));
  }
  const long status = response->status;
  const std::string& body = response->body;
  const kube::Json answer = kube::Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status != 201 && status != 200) {
    const std::string message = answer.is_object() ? answer.value("message", "") : "";
    kube::Error e = kube::make_error(status == 401 ? ErrorKind::kUnauthorized : status == 403 || status == 404 ? ErrorKind::kForbidden
                                                                                                                : ErrorKind::kTransient,
                                     "GitHub App token from " + api + ": " + std::to_string(status) + (message.empty() ? "" : " " + message));
    e.http_status = static_cast<int>(status);
    return std::unexpected(e);
  }
  if (!answer.is_object() || !answer.value("token", kube::Json()).is_string()) {
    return std::unexpected(kube::make_error(ErrorKind::kDecode, "GitHub App token from " + api + ": the answer holds no token"));
  }
  token_ = answer["token"].get<std::string>();
  auto expires = kube::parse_rfc3339(answer.value("expires_at", ""));
  // Without an expiry GitHub's hour is assumed.
  expires_ = expires ? std::chrono::system_clock::time_point(*expires) : std::chrono::system_clock::now() + std::chrono::hours(1);
  ++fetched_;
  return token_;
}

}  // namespace pave::statestore
