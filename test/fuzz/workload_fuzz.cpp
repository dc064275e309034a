// Work content (statestore/layout.h): any text decodes or is refused (never a crash, never more than
// kMaxWorkloadSize), and content encoded decodes back to itself.
#include <string>

#include "fuzz_check.h"
#include "statestore/layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto decoded = pave::statestore::decode_workload_content(text);
  if (decoded) pave::fuzz::check(decoded->size() <= pave::statestore::kMaxWorkloadSize, "decoded past the limit");
  auto round = pave::statestore::decode_workload_content(pave::statestore::encode_workload_content(text));
  pave::fuzz::check(round.has_value() && *round == text, "encode then decode changed the content");
  return 0;
}
