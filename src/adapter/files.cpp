#include "adapter/files.h"

#include "kube/yaml.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pave::adapter {
namespace {

kube::Error file_error(const std::string& what, const std::filesystem::path& file, const std::string& why) {
  return kube::make_error(kube::ErrorKind::kOther, what + " " + file.string() + ": " + why);
}

}  // namespace

kube::Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return std::unexpected(file_error("cannot read", file, ec.message()));
    }
    return std::optional<std::string>();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(file_error("cannot read", file, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

kube::Status write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return std::unexpected(file_error("cannot write", file, std::strerror(errno)));
  return {};
}

kube::Result<kube::Json> read_incoming_status(const std::filesystem::path& file) {
  auto text = read_optional_file(file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return kube::Json::object();
  auto doc = kube::parse_yaml(**text, kube::YamlReading::kKubectl);
  if (doc && (doc->is_null() || doc->is_object())) return doc->is_null() ? kube::Json::object() : std::move(*doc);
  const std::string why = doc ? "status.yaml is not a map" : doc.error().message;
  return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "failed to unmarshal incoming status: " + why));
}

}  // namespace pave::adapter
