// Errors from the Kubernetes client, as values.
//
// Every fallible call in kube/ returns Result<T>: the value, or an Error whose kind says what went wrong
// in the terms a reconciler acts on (retry, give up, treat as absent). The API server's own reason,
// message and field causes are kept verbatim so they can be shown on a status or an Event.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pave::kube {

enum class ErrorKind {
  kNotFound,         // 404
  kAlreadyExists,    // 409, reason AlreadyExists
  kConflict,         // 409 otherwise: a stale resourceVersion or a field-manager conflict
  kInvalid,          // 422: the object failed validation; causes name the fields
  kBadRequest,       // 400
  kUnauthorized,     // 401
  kForbidden,        // 403
  kGone,             // 410: a resourceVersion too old to list or watch from
  kTimeout,          // 504, or the server's Timeout/ServerTimeout reasons, or a client-side timeout
  kTransient,        // 429, 500, 502, 503: worth retrying later
  kTransport,        // the request did not complete: connection refused, reset, DNS
  kTls,              // the server's certificate was not trusted, or ours was refused: not retried
  kDecode,           // the response was not what the API promises
  kConfig,           // the client configuration is unusable
  kOther,            // any other status
};

std::string_view to_string(ErrorKind kind);

// One field-level reason the server gave for refusing an object.
struct Cause {
  std::string type;     // e.g. FieldValueRequired
  std::string message;
  std::string field;    // e.g. spec.replicas
};

struct Error {
  ErrorKind kind = ErrorKind::kOther;
  int http_status = 0;        // 0 when no response was received
  std::string reason;         // the server's metav1.Status reason, e.g. "AlreadyExists"
  std::string message;        // the server's message, or what the client saw
  std::vector<Cause> causes;

  // "Conflict (409): Operation cannot be fulfilled ..." for logs and conditions.
  std::string to_string() const;

  // Whether waiting and trying again may succeed without any change on the caller's side.
  bool retriable() const;
};

template <class T>
using Result = std::expected<T, Error>;

// A result with no value: success or an Error.
using Status = std::expected<void, Error>;

// Builds an Error from an HTTP status and a body that is usually a metav1.Status.
Error error_from_response(int http_status, std::string_view body);

Error make_error(ErrorKind kind, std::string message);

// An input that cannot succeed as given (kInvalid): a bad field, a file that does not parse.
inline Error invalid(std::string message) { return make_error(ErrorKind::kInvalid, std::move(message)); }

inline bool is(const Error& e, ErrorKind kind) { return e.kind == kind; }

template <class T>
bool is_not_found(const Result<T>& r) {
  return !r.has_value() && r.error().kind == ErrorKind::kNotFound;
}

}  // namespace pave::kube
