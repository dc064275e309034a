// $(VAR) references in a container's env values, command and args, expanded as the kubelet does.
#pragma once

#include <map>
#include <string>

namespace pave::containers {

// Expands $(VAR) references as Kubernetes does: $$ is a literal $, unknown references stay as written.
std::string expand_references(const std::string& text, const std::map<std::string, std::string>& vars);

}  // namespace pave::containers
