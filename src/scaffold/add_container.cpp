#include "scaffold/add_container.h"

#include <algorithm>

#include "api/kratix.h"
#include "base/digest.h"
#include "kube/object.h"
#include "scaffold/promise_dir.h"

namespace pave::scaffold {
namespace {

namespace fs = std::filesystem;
using kube::Json;

using kube::invalid;

std::string trim_dashes(std::string s) {
  while (!s.empty() && s.front() == '-') s.erase(s.begin());
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s;
}

constexpr const char* kBashDockerfile = R"TEXT(FROM "alpine"

RUN apk update && apk add --no-cache yq

ADD scripts/pipeline.sh /usr/bin/pipeline.sh
ADD resources resources

RUN chmod +x /usr/bin/pipeline.sh

CMD [ "sh", "-c", "pipeline.sh" ]
ENTRYPOINT []
)TEXT";

constexpr const char* kBashScript = R"TEXT(#!/usr/bin/env sh
# The pipeline reads what it runs for from /kratix/input/object.yaml (the request, or the Promise in a
# promise workflow) and writes the documents to schedule to /kratix/output; /kratix/metadata takes
# status.yaml and destination-selectors.yaml.

set -xe

name="$(yq eval '.metadata.name' /kratix/input/object.yaml)"
namespace=$(yq '.metadata.namespace' /kratix/input/object.yaml)

echo "Hello from ${name} ${namespace}"
)TEXT";

constexpr const char* kGoDockerfile = R"TEXT(FROM golang:latest
WORKDIR /scripts
COPY scripts/go.mod scripts/go.sum scripts/pipeline.go ./
RUN go mod download
ADD resources resources
RUN go build -a -o /usr/bin/pipeline.go pipeline.go
CMD [ "sh", "-c", "pipeline.go" ]
ENTRYPOINT []
)TEXT";

constexpr const char* kGoScript = R"TEXT(package main

import (
	"fmt"

	kratix "github.com/syntasso/kratix-go"
)

// Reads what the pipeline runs for through Kratix's SDK and says hello; write the documents to schedule
// with sdk.WriteOutput.
func main() {
	sdk := kratix.New()
	if sdk.WorkflowType() == "promise" {
		fmt.Printf("Hello from %s", sdk.PromiseName())
		return
	}
	resource, err := sdk.ReadResourceInput()
	if err != nil {
		panic(err)
	}
	fmt.Printf("Hello from %s in %s", resource.GetName(), resource.GetNamespace())
}
)TEXT";

constexpr const char* kPythonDockerfile = R"TEXT(FROM python:3.12-slim
RUN apt-get update && apt-get install -y git
RUN python -m pip install git+https://github.com/syntasso/kratix-python.git
WORKDIR /app
COPY scripts/pipeline.py /app/pipeline.py
ENTRYPOINT ["python", "-u", "/app/pipeline.py"]
)TEXT";

constexpr const char* kPythonScript = R"TEXT(import kratix_sdk as ks

# Reads what the pipeline runs for through Kratix's SDK and says hello; write the documents to schedule
# with sdk.write_output.
sdk = ks.KratixSDK()
if sdk.workflow_type() == "promise":
	print(f'Hello from {sdk.promise_name()}')
else:
	resource = sdk.read_resource_input()
	print(f'Hello from {resource.get_name()} in {resource.get_namespace()}')
)TEXT";

// The pipelines a workflow has in the directory, and where they are written back.
struct WorkflowSource {
  fs::path file;
  bool split = false;
  Json promise;    // non-split: the whole Promise
  Json pipelines;  // the list
};

kube::Result<WorkflowSource> read_workflow(const fs::path& dir, const PipelineRef& ref) {
  WorkflowSource src{.split = split_for_containers(dir)};
  if (src.split) {
    src.file = dir / workflow_file(ref.lifecycle, ref.action);
    auto list = fs::exists(src.file) ? read_yaml_file(src.file) : kube::Result<Json>(Json::array());
    // An unreadable workflow.yaml is taken as empty, as Kratix's CLI takes it.
    src.pipelines = list && list->is_array() ? *list : Json::array();
    return src;
  }
  src.file = dir / kPromiseFile;
  auto promise = read_yaml_file(src.file);
  if (!promise) return std::unexpected(promise.error());
  if (!promise->is_object()) return std::unexpected(invalid(src.file.string() + " is not a Promise"));
  src.promise = std::move(*promise);
  const Json& list = kube::child(kube::child(kube::child(kube::child(src.promise, "spec"), "workflows"), ref.lifecycle.c_str()), ref.action.c_str());
  src.pipelines = list.is_array() ? list : Json::array();
  return src;
}

kube::Status write_workflow(WorkflowSource& src, const PipelineRef& ref) {
  if (src.split) return write_yaml_file(src.file, src.pipelines);
  src.promise["spec"]["workflows"][ref.lifecycle][ref.action] = src.pipelines;
  return write_yaml_file(src.file, src.promise);
}

}  // namespace

fs::path PipelineRef::container_dir(const std::string& container) const {
  return fs::path("workflows") / lifecycle / action / pipeline / container;
}

kube::Result<PipelineRef> parse_pipeline_ref(std::string_view arg) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = arg.find('/', start)) != std::string_view::npos; start = slash + 1) {
    parts.emplace_back(arg.substr(start, slash - start));
  }
  parts.emplace_back(arg.substr(start));
  if (parts.size() != 3) {
    return std::unexpected(invalid("invalid pipeline format: " + std::string(arg) + ", expected format: LIFECYCLE/ACTION/PIPELINE-NAME"));
  }
  if (parts[0] != "promise" && parts[0] != "resource") {
    return std::unexpected(invalid("invalid lifecycle: " + parts[0] + ", expected one of: promise, resource"));
  }
  if (parts[1] != "configure" && parts[1] != "delete") {
    return std::unexpected(invalid("invalid action: " + parts[1] + ", expected one of: configure, delete"));
  }
  if (parts[2].empty()) return std::unexpected(invalid("pipeline name cannot be empty"));
  if (!dns_label(parts[2])) return std::unexpected(invalid("invalid pipeline name: " + parts[2] + ": " + kDnsLabelRule));
  return PipelineRef{parts[0], parts[1], parts[2]};
}

std::string container_name_for(std::string_view image) {
  std::string name(image.substr(0, image.find(':')));
  for (char& c : name) {
    if (c == '/' || c == '.') c = '-';
  }
  name = trim_dashes(name);
  if (name.size() <= 63) return name;
  const std::string suffix = base::sha1_hex(name).substr(0, 7);
  std::string prefix = name.substr(0, 63 - 7 - 1);
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  return prefix + "-" + suffix;
}

kube::Status add_to_pipelines(Json& pipelines, const std::string& pipeline, const Json& container, bool overwrite) {
  if (!pipelines.is_array()) pipelines = Json::array();
  const std::string name = container.value("name", "");
  for (Json& p : pipelines) {
    if (kube::child(kube::child(p, "metadata"), "name") != pipeline) continue;
    Json& containers = p["spec"]["containers"];
    if (!containers.is_array()) containers = Json::array();
    for (Json& c : containers) {
      if (c.value("name", "") != name) continue;
      if (!overwrite) return std::unexpected(invalid("image '" + name + "' already exists in Pipeline '" + pipeline + "'"));
      c = container;
      return {};
    }
    containers.push_back(container);
    return {};
  }
  pipelines.push_back({{"apiVersion", api::kApiVersion}, {"kind", "Pipeline"}, {"metadata", {{"name", pipeline}}},
                       {"spec", {{"containers", Json::array({container})}}}});
  return {};
}

kube::Result<std::map<std::string, std::string>> container_files(const std::string& language) {
  if (language == "bash") return std::map<std::string, std::string>{{"Dockerfile", kBashDockerfile}, {"scripts/pipeline.sh", kBashScript}};
  if (language == "go") return std::map<std::string, std::string>{{"Dockerfile", kGoDockerfile}, {"scripts/pipeline.go", kGoScript}};
  if (language == "python") {
    return std::map<std::string, std::string>{{"Dockerfile", kPythonDockerfile}, {"scripts/pipeline.py", kPythonScript}};
  }
  return std::unexpected(invalid("invalid language: " + language + " is not supported by the kratix cli"));
}

bool split_for_containers(const fs::path& dir) {
  // Kratix's rule (api.yaml and dependencies.yaml), and also any directory without a promise.yaml, which
  // `update dependencies --image` leaves a split directory as.
  return (fs::exists(dir / kApiFile) && fs::exists(dir / kDependenciesFile)) || !fs::exists(dir / kPromiseFile);
}

bool dns_label(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

kube::Result<std::vector<std::string>> add_container(const fs::path& dir, const AddContainerOptions& o) {
  const std::string name = o.name.empty() ? container_name_for(o.image) : o.name;
  auto files = container_files(o.language);
  if (!files) return std::unexpected(files.error());
  if (name.empty()) return std::unexpected(invalid("the image gives no container name: give one with --name"));
  if (!dns_label(name)) return std::unexpected(invalid("invalid container name: " + name + ": " + kDnsLabelRule));
  auto src = read_workflow(dir, o.ref);
  if (!src) return std::unexpected(src.error());
  if (auto s = add_to_pipelines(src->pipelines, o.ref.pipeline, {{"name", name}, {"image", o.image}}, o.overwrite); !s) {
    return std::unexpected(s.error());
  }
  const fs::path container_dir = o.ref.container_dir(name);
  for (const auto& [path, content] : *files) {
    if (auto s = write_text_file(dir / container_dir / path, content); !s) return std::unexpected(s.error());
  }
  std::error_code ec;
  fs::create_directories(dir / container_dir / "resources", ec);
  if (auto s = write_workflow(*src, o.ref); !s) return std::unexpected(s.error());
  std::vector<std::string> lines = {
      "generated the " + o.ref.to_string() + "/" + name + " in " + src->file.lexically_normal().string(),
      "Customise your container by editing " + (container_dir / files->rbegin()->first).string()};
  if (o.language == "go") lines.push_back("For go containers, run 'go mod init' and 'go mod tidy' to manage your script's dependencies");
  lines.push_back("Don't forget to build and push your image!");
  return lines;
}

}  // namespace pave::scaffold
