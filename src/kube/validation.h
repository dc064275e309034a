// Kubernetes' name and label rules (k8s.io/apimachinery/pkg/util/validation), with its messages, for
// checks made before the API server sees an object (admission webhooks, generated names). Each returns
// the list of problems; empty means valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pave::kube {

// A label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters.
std::vector<std::string> qualified_name_errors(std::string_view value);
// A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends.
std::vector<std::string> label_value_errors(std::string_view value);
// An RFC 1123 label (container names, namespaces): lower-case alphanumerics and '-', at most 63.
std::vector<std::string> dns1123_label_errors(std::string_view value);
// An RFC 1123 subdomain (most object names): labels joined by '.', at most 253 characters.
std::vector<std::string> dns1123_subdomain_errors(std::string_view value);

// Problems joined as Go's strings.Join(errs, sep).
std::string join(const std::vector<std::string>& problems, std::string_view sep = ",");

}  // namespace pave::kube
