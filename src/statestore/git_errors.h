// What kind of failure a libgit2 error is, decided from what libgit2 says it is (its return code and
// error class) and, for HTTP, the status the server answered, never from words that happen to appear
// in the message (a port such as 4031 is not a 403).
#pragma once

#include <string>
#include <string_view>

#include "kube/error.h"

namespace pave::statestore {

// rc is libgit2's return code, error_class its git_error_t class (git_error_last()->klass).
kube::ErrorKind classify_git_error(int rc, int error_class, std::string_view message);

// libgit2's last error after a call that returned rc, as a kube::Error: classified as above, the message
// prefixed with what, credentials in URLs redacted (libgit2 repeats a remote's URL, user information
// and all).
kube::Error git_error(const std::string& what, int rc);
std::string git_error_text(int rc);

// The HTTP status a libgit2 HTTP error names ("unexpected http status code: 404"), or 0.
int git_http_status(std::string_view message);

}  // namespace pave::statestore
