// Exceptions at the edge of a long-lived thread. A library may throw on input nobody foresaw (a JSON
// type error, an allocation that fails); on a worker, informer or writer thread that would end the
// process. These turn the exception into that item's error instead: the caller reports or retries it
// like any other failure.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>

#include "kube/error.h"
#include "kube/log.h"

namespace pave::kube {

// Runs f, which returns a Result or Status; an exception becomes an Error "<what> threw: <text>".
template <class F>
auto guarded(std::string_view what, F&& f) -> std::invoke_result_t<F> {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::unexpected(make_error(ErrorKind::kOther, std::string(what) + " threw: " + e.what()));
  } catch (...) {
    return std::unexpected(make_error(ErrorKind::kOther, std::string(what) + " threw"));
  }
}

// Runs f, which returns nothing; an exception is logged as an error naming what and subject (the key or
// batch it was for). True when f finished.
template <class F>
bool call_logged(std::string_view what, std::string_view subject, F&& f) {
  auto status = guarded(what, [&]() -> Status {
    f();
    return {};
  });
  if (status) return true;
  log::error(status.error().message, {{"subject", std::string(subject)}});
  return false;
}

}  // namespace pave::kube
