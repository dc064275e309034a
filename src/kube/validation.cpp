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

// One of apimachinery's patterns, compiled once, with the message and examples it is reported with.
struct Rule {
  Rule(const char* f, const char* m, std::vector<std::string> e) : fmt(f), msg(m), examples(std::move(e)), re(f) {}
  const char* fmt;
  const char* msg;
  std::vector<std::string> examples;
  std::regex re;

  std::string error() const { return regex_error(msg, fmt, examples); }

  // libstdc++ matches recursively, so a long enough value would overflow the stack: anything longer than
  // this has failed its length check already and is not matched at all.
  static constexpr size_t kLongestMatched = 1024;
  bool broken_by(std::string_view value) const {
    return value.size() <= kLongestMatched && !std::regex_match(value.begin(), value.end(), re);
  }
};

const Rule& qualified_name() {
  static const Rule r(kQualifiedNameFmt, kQualifiedNameMsg, {"MyName", "my.name", "123-abc"});
  return r;
}
const Rule& label_value() {
  static const Rule r(kLabelValueFmt, kLabelValueMsg, {"MyValue", "my_value", "12345"});
  return r;
}
const Rule& dns1123_label() {
  static const Rule r(kDns1123LabelFmt, kDns1123LabelMsg, {"my-name", "123-abc"});
  return r;
}
const Rule& dns1123_subdomain() {
  static const Rule r(kDns1123SubdomainFmt, kDns1123SubdomainMsg, {"example.com"});
  return r;
}

// Problems of a value at most max characters long that must follow rule.
std::vector<std::string> length_and_rule(std::string_view value, size_t max, const Rule& rule) {
  std::vector<std::string> errs;
  if (value.size() > max) errs.push_back(max_len_error(max));
  if (rule.broken_by(value)) errs.push_back(rule.error());
  return errs;
}

}  // namespace

std::vector<std::string> qualified_name_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " + qualified_name().error() +
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
  if (qualified_name().broken_by(name)) errs.push_back("name part " + qualified_name().error());
  return errs;
}

std::vector<std::string> label_value_errors(std::string_view value) { return length_and_rule(value, 63, label_value()); }

std::vector<std::string> dns1123_label_errors(std::string_view value) { return length_and_rule(value, 63, dns1123_label()); }

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  return length_and_rule(value, 253, dns1123_subdomain());
}

std::string join(const std::vector<std::string>& problems, std::string_view sep) {
  std::string all;
  for (size_t i = 0; i < problems.size(); ++i) all += (i ? std::string(sep) : "") + problems[i];
  return all;
}

}  // namespace pave::kube
