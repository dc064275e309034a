#include "kube/error.h"

#include <nlohmann/json.hpp>

namespace pave::kube {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound: return "NotFound";
    case ErrorKind::kAlreadyExists: return "AlreadyExists";
    case ErrorKind::kConflict: return "Conflict";
    case ErrorKind::kInvalid: return "Invalid";
    case ErrorKind::kBadRequest: return "BadRequest";
    case ErrorKind::kUnauthorized: return "Unauthorized";
    case ErrorKind::kForbidden: return "Forbidden";
    case ErrorKind::kGone: return "Gone";
    case ErrorKind::kTimeout: return "Timeout";
    case ErrorKind::kTransient: return "Transient";
    case ErrorKind::kTransport: return "Transport";
    case ErrorKind::kTls: return "TLS";
    case ErrorKind::kDecode: return "Decode";
    case ErrorKind::kConfig: return "Config";
    case ErrorKind::kOther: return "Other";
  }
  return "Other";
}

std::string Error::to_string() const {
  std::string s(kube::to_string(kind));
  if (http_status != 0) s += " (" + std::to_string(http_status) + ")";
  if (!message.empty()) s += ": " + message;
  return s;
}

bool Error::retriable() const {
  return kind == ErrorKind::kTransient || kind == ErrorKind::kTimeout || kind == ErrorKind::kTransport;
}

Error make_error(ErrorKind kind, std::string message) {
  return Error{.kind = kind, .message = std::move(message)};
}

namespace {

ErrorKind kind_for(int status, const std::string& reason) {
  if (reason == "Timeout" || reason == "ServerTimeout") return ErrorKind::kTimeout;
  switch (status) {
    case 400: return ErrorKind::kBadRequest;
    case 401: return ErrorKind::kUnauthorized;
    case 403: return ErrorKind::kForbidden;
    case 404: return ErrorKind::kNotFound;
    case 409: return reason == "AlreadyExists" ? ErrorKind::kAlreadyExists : ErrorKind::kConflict;
    case 410: return ErrorKind::kGone;
    case 422: return ErrorKind::kInvalid;
    case 429: case 500: case 502: case 503: return ErrorKind::kTransient;
    case 504: return ErrorKind::kTimeout;
    default: return ErrorKind::kOther;
  }
}

}  // namespace

Error error_from_response(int http_status, std::string_view body) {
  Error e{.http_status = http_status};
  auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    e.reason = status.value("reason", "");
    e.message = status.value("message", "");
    if (auto details = status.find("details"); details != status.end() && details->is_object()) {
      for (const auto& c : details->value("causes", nlohmann::json::array())) {
        e.causes.push_back({c.value("reason", ""), c.value("message", ""), c.value("field", "")});
      }
    }
  } else {
    e.message = std::string(body.substr(0, 512));
  }
  e.kind = kind_for(http_status, e.reason);
  return e;
}

}  // namespace pave::kube
