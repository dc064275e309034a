// yaml-cpp's documents from text, as YAML::LoadAll reads them, without its endless loop: yaml-cpp 0.7
// (Debian's) reads a stream whose next token starts no node (",", "]") as empty documents for ever,
// allocating each (jbeder/yaml-cpp#1040, fixed upstream in 0.8). Found by test/fuzz/status_fuzz: a
// pipeline's status.yaml of ",x" would hang its status-writer until the Node ran out of memory.
//
// Here the parser's events build the nodes, and a document that starts where the last one started is
// refused as yaml-cpp's own parse errors are. An alias must name a node already complete (a node cannot
// contain itself, as in Go's YAML).
#pragma once

#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace pave::kube::detail {

// Throws YAML::Exception (YAML::ParserException) on text that is not YAML.
std::vector<YAML::Node> load_all_documents(std::string_view text);

}  // namespace pave::kube::detail
