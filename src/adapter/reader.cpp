#include "adapter/reader.h"

#include "adapter/contract.h"
#include "adapter/files.h"
#include "kube/yaml.h"

namespace pave::adapter {

kube::Result<kube::Json> fetch_object(const kube::Client& client, const PipelineEnv& env) {
  if (auto valid = validate_object(env); !valid) return std::unexpected(valid.error());
  auto object = client.get(env.object_resource(), env.object_namespace, env.object_name);
  if (!object) {
    kube::Error e = object.error();
    e.message = "failed to get object: " + e.to_string();
    return std::unexpected(e);
  }
  return object;
}

kube::Result<std::filesystem::path> write_object_file(const kube::Client& client, const PipelineEnv& env) {
  auto object = fetch_object(client, env);
  if (!object) return std::unexpected(object.error());
  const std::filesystem::path file = std::filesystem::path(env.input_dir) / kObjectFile;
  if (auto written = write_file(file, kube::to_yaml(*object)); !written) return std::unexpected(written.error());
  return file;
}

}  // namespace pave::adapter
