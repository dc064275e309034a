#include "api/naming.h"


#include <array>
#include <cctype>
#include <random>

namespace pave::api {
namespace {

constexpr size_t kMaxBeforeSuffix = 57;  // longer names are cut ...
constexpr size_t kCutTo = 56;            // ... to this, leaving room for "-xxxxx" within 62

std::string with_suffix(std::string_view name, std::string_view suffix) {
  std::string base(name.size() > kMaxBeforeSuffix ? name.substr(0, kCutTo) : name);
  while (!base.empty() && !std::isalnum(static_cast<unsigned char>(base.back()))) base.pop_back();
  return base + "-" + std::string(suffix);
}

}  // namespace

std::string deterministic_name(std::string_view name) { return with_suffix(name, md5_hex(name).substr(0, 5)); }

std::string generated_name(std::string_view name) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* alphabet = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 5; ++i) suffix += alphabet[rng() % 16];
  return with_suffix(name, suffix);
}

std::string pipeline_id(std::string_view promise, std::string_view workflow_type, std::string_view action,
                        std::string_view pipeline) {
  return std::string(promise) + "-" + std::string(workflow_type) + "-" + std::string(action) + "-" + std::string(pipeline);
}

}  // namespace pave::api
