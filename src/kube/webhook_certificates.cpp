#include "kube/webhook_certificates.h"

#include "base/certificates.h"
#include "base/encoding.h"
#include "kube/log.h"
#include "kube/object.h"

namespace pave::kube {
namespace {

constexpr const char* kNamesAnnotation = "pave.kratix.io/serving-names";

// Whether a certificate (PEM) has less than a third of `validity` left, or cannot be read.
bool due(const std::string& pem, std::chrono::seconds validity) {
  auto end = base::certificate_not_after(pem);
  return !end || *end - std::chrono::system_clock::now() < validity / 3;
}

std::string decoded(const Json& data, const char* key) {
  return base::base64_decode(string_at(data, key)).value_or("");
}

// The certificates of a PEM bundle, one string each.
std::vector<std::string> split_bundle(const std::string& bundle) {
  static const std::string kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> certs;
  size_t at = 0;
  for (size_t begin; (begin = bundle.find("-----BEGIN CERTIFICATE-----", at)) != std::string::npos;) {
    const size_t end = bundle.find(kEnd, begin);
    if (end == std::string::npos) break;
    certs.push_back(bundle.substr(begin, end + kEnd.size() - begin) + "\n");
    at = end + kEnd.size();
  }
  return certs;
}

// The bundle without the certificates that have expired.
std::string unexpired(const std::string& bundle) {
  std::string kept;
  for (const auto& c : split_bundle(bundle)) {
    auto end = base::certificate_not_after(c);
    if (end && *end > std::chrono::system_clock::now()) kept += c;
  }
  return kept;
}

}  // namespace

WebhookCertificates::WebhookCertificates(Client client, WebhookServer& server, WebhookCertificateOptions options, Publish publish)
    : client_(std::move(client)), server_(server), options_(std::move(options)), publish_(std::move(publish)) {}

WebhookCertificates::~WebhookCertificates() { stop(); }

std::string WebhookCertificates::names() const {
  std::string all;
  for (const auto& n : options_.dns_names) all += (all.empty() ? "" : ",") + n;
  for (const auto& n : options_.ip_addresses) all += (all.empty() ? "" : ",") + n;
  return all;
}

Result<bool> WebhookCertificates::renew(Json& data, const std::string& made_for) const {
  std::string ca_bundle = decoded(data, "ca.crt");
  const std::vector<std::string> cas = split_bundle(ca_bundle);
  base::CertificateAndKey ca{cas.empty() ? "" : cas.front(), decoded(data, "ca.key")};
  bool new_ca = false;
  if (ca.certificate.empty() || ca.key.empty() || due(ca.certificate, options_.ca_validity)) {
    auto fresh = base::make_certificate_authority("pave-webhook-ca", options_.ca_validity);
    if (!fresh) return std::unexpected(make_error(ErrorKind::kOther, fresh.error()));
    // The API server keeps trusting the previous CA (until it expires) while the replicas move to the new.
    ca_bundle = fresh->certificate + ca.certificate;
    ca = *fresh;
    new_ca = true;
  }
  const std::string bundle = unexpired(ca_bundle);
  bool changed = new_ca || bundle != decoded(data, "ca.crt");
  const std::string serving = decoded(data, "tls.crt");
  if (new_ca || serving.empty() || decoded(data, "tls.key").empty() || !base::signed_by(serving, ca.certificate) ||
      due(serving, options_.serving_validity) || made_for != names()) {
    auto cert = base::make_serving_certificate(ca, {.common_name = options_.dns_names.empty() ? "pave-webhook" : options_.dns_names.front(),
                                                    .dns_names = options_.dns_names, .ip_addresses = options_.ip_addresses,
                                                    .validity = options_.serving_validity});
    if (!cert) return std::unexpected(make_error(ErrorKind::kOther, cert.error()));
    data["tls.crt"] = base::base64_encode(cert->certificate);
    data["tls.key"] = base::base64_encode(cert->key);
    changed = true;
  }
  if (changed) {
    data["ca.crt"] = base::base64_encode(bundle);
    data["ca.key"] = base::base64_encode(ca.key);
  }
  return changed;
}

Status WebhookCertificates::refresh() {
  const Resource secrets = resources::secrets();
  auto secret = client_.get(secrets, options_.secret_namespace, options_.secret_name);
  if (!secret && secret.error().kind != ErrorKind::kNotFound) return std::unexpected(secret.error());
  Json object = secret ? *secret : Json{{"apiVersion", "v1"}, {"kind", "Secret"}, {"type", "kubernetes.io/tls"},
                                        {"metadata", {{"name", options_.secret_name}, {"namespace", options_.secret_namespace}}},
                                        {"data", Json::object()}};
  Json data = child(object, "data");  // {} when there is none
  // The names the serving certificate was made for travel with it, so a new name makes a new certificate.
  auto changed = renew(data, child(child(object, "metadata"), "annotations").value(kNamesAnnotation, ""));
  if (!changed) return std::unexpected(changed.error());
  if (*changed) {
    object["data"] = data;
    object["metadata"]["annotations"][kNamesAnnotation] = names();
    auto written = secret ? client_.update(secrets, object) : client_.create(secrets, options_.secret_namespace, object);
    if (!written) {
      // Another replica wrote first: serve what it wrote.
      if (written.error().kind != ErrorKind::kConflict && written.error().kind != ErrorKind::kAlreadyExists) {
        return std::unexpected(written.error());
      }
      auto theirs = client_.get(secrets, options_.secret_namespace, options_.secret_name);
      if (!theirs) return std::unexpected(theirs.error());
      data = child(*theirs, "data");
    } else {
      log::info("webhook certificate written", {{"secret", options_.secret_namespace + "/" + options_.secret_name}});
    }
  }
  // The API server learns the new bundle (which still holds the previous CA) before the new certificate
  // is served, so no call fails in between.
  if (publish_) {
    if (auto s = publish_(decoded(data, "ca.crt")); !s) return s;
  }
  return server_.set_certificate(decoded(data, "tls.crt"), decoded(data, "tls.key"));
}

void WebhookCertificates::start(std::chrono::seconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
    while (!cv_.wait_for(lock, wait, [this] { return stopping_; })) {
      lock.unlock();
      auto refreshed = refresh();
      if (!refreshed) log::warn("cannot refresh the webhook certificate", {{"error", refreshed.error().message}});
      lock.lock();
      wait = refreshed ? std::chrono::duration_cast<std::chrono::milliseconds>(interval) : std::chrono::milliseconds(5000);
    }
  });
}

void WebhookCertificates::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pave::kube
