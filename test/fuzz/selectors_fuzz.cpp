// Destination selectors and label matching: destination-selectors.yaml and the promise-scheduling file
// as pipelines and Promises write them (adapter/destination_selectors.h), Destinations and workload groups
// of any shape (platform/scheduler.h). Never a crash; a directory accepted never leaves the output.
#include <string>

#include "adapter/destination_selectors.h"
#include "fuzz_check.h"
#include "kube/yaml.h"
#include "platform/scheduler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto selectors = pave::adapter::parse_destination_selectors(text)) {
    for (const auto& s : *selectors) {
      const std::string& d = s.directory;
      pave::fuzz::check(d == "." || (d.find('/') == std::string::npos && d != ".."), "directory " + d + " accepted");
    }
  }
  (void)pave::adapter::parse_promise_scheduling(text);
  const std::string cleaned = pave::adapter::clean_path(text);
  pave::fuzz::check(!cleaned.empty(), "clean_path gave nothing");
  auto doc = pave::kube::parse_yaml(text, pave::kube::YamlReading::kKubectl);
  if (!doc) return 0;
  const auto view = pave::platform::destination_view(*doc);
  const auto selector = pave::platform::merged_selector(*doc);
  const bool matched = pave::platform::matches(view, selector);
  const auto chosen = pave::platform::candidates({view}, selector);
  pave::fuzz::check(chosen.size() == (matched ? 1u : 0u), "candidates disagrees with matches");
  return 0;
}
