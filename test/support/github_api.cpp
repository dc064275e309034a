#include "support/github_api.h"

#define CPPHTTPLIB_OPENSSL_SUPPORT
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <thread>

#include "base/encoding.h"
#include "base/subprocess.h"
#include "kube/json.h"
#include "kube/time.h"
#include "support/test_certs.h"

namespace pave::testing {
namespace {

std::string base64url_decode(std::string part) {
  for (char& c : part) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (part.size() % 4) part += '=';
  return base::base64_decode(part).value_or("");
}

}  // namespace

struct GitHubApi::Server {
  std::optional<httplib::SSLServer> https;
  int port = 0;
  std::thread thread;
};

std::pair<std::string, std::string> GitHubApi::app_key_pair() {
  std::string key = base::run({.argv = {"openssl", "genrsa", "2048"}}).out;
  std::string public_key = base::run({.argv = {"openssl", "rsa", "-pubout"}, .input = key}).out;
  return {std::move(key), std::move(public_key)};
}

GitHubApi::GitHubApi(std::string public_key_pem, std::string token, std::chrono::seconds lifetime)
    : dir_(base::TempDir::create("github-api").value()), public_key_(std::move(public_key_pem)), server_(std::make_unique<Server>()) {
  if (auto certs = make_test_certificates(dir_.path().string()); !certs) throw std::runtime_error(certs.error());
  server_->https.emplace((dir_.path() / "tls.crt").c_str(), (dir_.path() / "tls.key").c_str());
  server_->https->Post(R"(/app/installations/(\d+)/access_tokens)",
                       [this, token, lifetime](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    const std::string auth = req.get_header_value("Authorization");
    if (req.matches[1] != "42") {
      res.status = 404;
      res.set_content(R"({"message":"Not Found"})", "application/json");
      return;
    }
    if (!auth.starts_with("Bearer ") || !valid_jwt(auth.substr(7))) {
      res.status = 401;
      res.set_content(R"({"message":"A JSON web token could not be decoded"})", "application/json");
      return;
    }
    res.status = 201;
    res.set_content(kube::Json{{"token", token}, {"expires_at", kube::format_rfc3339(std::chrono::system_clock::now() + lifetime)}}.dump(),
                    "application/json");
  });
  server_->port = server_->https->bind_to_any_port("127.0.0.1");
  server_->thread = std::thread([this] { server_->https->listen_after_bind(); });
  while (!server_->https->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

GitHubApi::~GitHubApi() {
  server_->https->stop();
  server_->thread.join();
}

std::string GitHubApi::url() const { return "https://127.0.0.1:" + std::to_string(server_->port); }

std::string GitHubApi::ca_pem() const { return base::run({.argv = {"cat", (dir_.path() / "ca.crt").string()}}).out; }

bool GitHubApi::valid_jwt(const std::string& jwt) const {
  const size_t a = jwt.find('.'), b = jwt.rfind('.');
  if (a == std::string::npos || a == b) return false;
  const auto claims = kube::Json::parse(base64url_decode(jwt.substr(a + 1, b - a - 1)), nullptr, false);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!claims.is_object() || claims.value("iss", "") != "1234" || claims.value("exp", 0) < now) return false;
  const std::string signature = base64url_decode(jwt.substr(b + 1)), input = jwt.substr(0, b);
  BIO* bio = BIO_new_mem_buf(public_key_.data(), static_cast<int>(public_key_.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = key && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  BIO_free(bio);
  return ok;
}

}  // namespace pave::testing
