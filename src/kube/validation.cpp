#include "kube/validation.h"

#include <regex>

namespace pave::kube {
namespace {

constexpr const char* kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr const char* kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
constexpr const char* kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr const char* kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character";
constexpr const char* kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr const char* kDns1123LabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with "
    "an alphanumeric character";
constexpr const char* kDns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr const char* kDns1123SubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
    "end with an alphanumeric character";

// apimachinery's RegexError.
std::string regex_error(std::string msg, const std::string& fmt, std::vector<std::string> examples) {
  if (examples.empty()) return msg + " (regex used for validation is '" + fmt + "')";
  msg += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) msg += " or ";
    msg += "'" + examples[i] + "', ";
  }
  return msg + "regex used for validation is '" + fmt + "')";
}

std::string max_len_error(size_t n) { return "must be no more than " + std::to_string(n) + " characters"; }

// libstdc++ matches recursively, so a long enough value would overflow the stack: anything this long has
// failed its length check already and is not matched at all.
constexpr size_t kLongestMatched = 1024;

bool matches(std::string_view value, const char* fmt) {
  if (value.size() > kLongestMatched) return false;
  static const std::regex qualified(kQualifiedNameFmt), label_value(kLabelValueFmt), dns_label(kDns1123LabelFmt),
      dns_subdomain(kDns1123SubdomainFmt);
  const std::regex& re = fmt == kQualifiedNameFmt ? qualified : fmt == kLabelValueFmt ? label_value
                         : fmt == kDns1123LabelFmt ? dns_label : dns_subdomain;
  return std::regex_match(value.begin(), value.end(), re);
}

}  // namespace

std::vector<std::string> qualified_name_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " + regex_error(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (const auto& e : dns1123_subdomain_errors(prefix)) errs.push_back("prefix part " + e);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + max_len_error(63));
  }
  if (name.size() <= kLongestMatched && !matches(name, kQualifiedNameFmt)) {
    errs.push_back("name part " + regex_error(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> label_value_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (value.size() <= kLongestMatched && !matches(value, kLabelValueFmt)) errs.push_back(regex_error(kLabelValueMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  return errs;
}

std::vector<std::string> dns1123_label_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (value.size() <= kLongestMatched && !matches(value, kDns1123LabelFmt)) errs.push_back(regex_error(kDns1123LabelMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
  return errs;
}

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(max_len_error(253));
  if (value.size() <= kLongestMatched && !matches(value, kDns1123SubdomainFmt)) errs.push_back(regex_error(kDns1123SubdomainMsg, kDns1123SubdomainFmt, {"example.com"}));
  return errs;
}

std::string join(const std::vector<std::string>& problems, std::string_view sep) {
  std::string all;
  for (size_t i = 0; i < problems.size(); ++i) all += (i ? std::string(sep) : "") + problems[i];
  return all;
}

}  // namespace pave::kube
