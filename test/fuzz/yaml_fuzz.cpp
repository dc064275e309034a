// YAML and JSON decoding (kube/yaml.h): any bytes, read both ways (YAML 1.2 core and kubectl's reading),
// never crash; and every document read is written (to_yaml) so that reading it back gives it again.
#include <cmath>
#include <string_view>

#include "fuzz_check.h"
#include "kube/json.h"
#include "kube/yaml.h"

namespace {

using pave::kube::Json;

// Floats need not survive text exactly (precision, NaN), so the round trip is checked without them.
bool has_float(const Json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured()) {
    for (const auto& item : j) {
      if (has_float(item)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto reading : {pave::kube::YamlReading::kCore12, pave::kube::YamlReading::kKubectl}) {
    auto docs = pave::kube::parse_yaml_documents(text, reading);
    if (!docs) continue;
    for (const Json& doc : *docs) {
      if (has_float(doc)) continue;
      const std::string written = pave::kube::to_yaml(doc);
      auto again = pave::kube::parse_yaml(written, reading);
      pave::fuzz::check(again.has_value(), "to_yaml wrote what parse_yaml cannot read:\n" + written);
      pave::fuzz::check(*again == doc, "to_yaml then parse_yaml changed " + doc.dump() + " into " + again->dump() +
                                           " through:\n" + written);
    }
  }
  // JSON is YAML too: what nlohmann reads, the YAML reader reads the same (floats aside).
  Json json = Json::parse(text, nullptr, false);
  if (!json.is_discarded() && !has_float(json) && json.is_object()) {
    auto as_yaml = pave::kube::parse_yaml(text, pave::kube::YamlReading::kKubectl);
    if (as_yaml) pave::fuzz::check(*as_yaml == json, "JSON read as YAML differs: " + json.dump() + " vs " + as_yaml->dump());
  }
  return 0;
}
