#include "statestore/git_errors.h"

#include <git2.h>

#include <charconv>

#include "base/redact.h"

namespace pave::statestore {

int git_http_status(std::string_view message) {
  // libgit2's smart HTTP transport words every unexpected status the same way.
  constexpr std::string_view kPrefix = "unexpected http status code: ";
  const size_t at = message.find(kPrefix);
  if (at == std::string_view::npos) return 0;
  const std::string_view digits = message.substr(at + kPrefix.size(), 3);
  int status = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
  return ec == std::errc() && end == digits.data() + 3 ? status : 0;
}

kube::ErrorKind classify_git_error(int rc, int error_class, std::string_view message) {
  using kube::ErrorKind;
  if (rc == GIT_EAUTH) return ErrorKind::kUnauthorized;
  // A lock file in the local repository (GIT_ERROR_OS too): the cache's fault, not the network's.
  if (rc == GIT_ELOCKED) return ErrorKind::kOther;
  if (rc == GIT_ECERTIFICATE || error_class == GIT_ERROR_SSL) return ErrorKind::kTls;
  if (error_class == GIT_ERROR_HTTP) {
    const int status = git_http_status(message);
    if (status == 401) return ErrorKind::kUnauthorized;
    if (status == 403) return ErrorKind::kForbidden;
    if (status == 404) return ErrorKind::kNotFound;
    if (status == 429 || status >= 500) return ErrorKind::kTransient;
    return ErrorKind::kTransport;
  }
  if (error_class == GIT_ERROR_NET || error_class == GIT_ERROR_SSH || error_class == GIT_ERROR_OS) return ErrorKind::kTransport;
  return ErrorKind::kOther;
}

std::string git_error_text(int rc) {
  const ::git_error* e = git_error_last();
  return e && e->message ? base::redact_credentials(e->message) : "libgit2 error " + std::to_string(rc);
}

kube::Error git_error(const std::string& what, int rc) {
  const ::git_error* e = git_error_last();
  const std::string text = git_error_text(rc);
  kube::Error error = kube::make_error(classify_git_error(rc, e ? e->klass : GIT_ERROR_NONE, text), what + ": " + text);
  error.http_status = git_http_status(text);
  return error;
}

}  // namespace pave::statestore
