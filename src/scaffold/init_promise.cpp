#include "scaffold/init_promise.h"

#include <cctype>

#include <fmt/format.h>

#include "scaffold/promise_dir.h"

namespace pave::scaffold {
namespace {

struct Names {
  std::string name, group, kind, version, plural, singular;
};

// The CRD, its lines indented by `indent` spaces.
std::string crd(const Names& n, const std::string& indent) {
  const std::string text = fmt::format(R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
spec:
  group: {group}
  names:
    kind: {kind}
    plural: {plural}
    singular: {singular}
  scope: Namespaced
  versions:
    - name: {version}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              default: {{}}
              type: object
      served: true
      storage: true
)",
                                       fmt::arg("plural", n.plural), fmt::arg("group", n.group), fmt::arg("kind", n.kind),
                                       fmt::arg("singular", n.singular), fmt::arg("version", n.version));
  std::string out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out += indent + text.substr(start, nl - start + 1);
  return out;
}

std::string promise_yaml(const Names& n) {
  return fmt::format(R"(apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: {name}
  labels:
    kratix.io/promise-version: v0.0.1
spec:
  api:
{crd}  workflows:
    promise:
      configure: []
    resource:
      configure: []
)",
                     fmt::arg("name", n.name), fmt::arg("crd", crd(n, "    ")));
}

std::string example_resource(const Names& n) {
  return fmt::format("apiVersion: {}/{}\nkind: {}\nmetadata:\n  name: example-{}\n", n.group, n.version, n.kind, n.name);
}

std::string readme(const Names& n, bool split) {
  return fmt::format(R"(# {name}

A Kratix Promise offering `{kind}` ({group}/{version}), generated with:

```bash
pave init promise {name} --group {group} --kind {kind}{split}
```

It runs unchanged on Pave and on Kratix. The commands below are Pave's; Kratix's CLI takes the same verbs
and flags (`kratix ...`).

## Try it on this machine

Run the Promise's workflows locally against its example request, and see the Works, where they would
land and the files each state store would get:

```bash
pave test .{name_flag}          # --destinations FILE or --kubeconfig K: where Works land; --watch: rerun on change
```

## Change the API

```bash
pave update api --property name:string --property replicas:integer --property region-
```

## Add a container to a workflow

```bash
pave add container resource/configure/instance --image example.com/{name}-instance:v0.1.0 --language bash
pave build container resource/configure/instance       # podman or docker build of its directory
```

## Dependencies and Destinations

```bash
pave update dependencies ./dependencies/                       # into spec.dependencies
pave update dependencies ./dependencies/ --image example.com/{name}-deps:v0.1.0   # or a workflow image
pave update destination-selector environment=dev
```
{build}
Then install it with `kubectl apply -f promise.yaml` and request one with
`kubectl apply -f example-resource.yaml`.
)",
                     fmt::arg("name", n.name), fmt::arg("kind", n.kind), fmt::arg("group", n.group), fmt::arg("version", n.version),
                     fmt::arg("split", split ? " --split" : ""), fmt::arg("name_flag", split ? " --name " + n.name : ""),
                     fmt::arg("build", split ? "\nThe files are split; assemble them into one Promise with `pave build promise " + n.name +
                                                   " --output promise.yaml`.\n"
                                             : ""));
}

}  // namespace

std::string singular_of(std::string_view kind) {
  std::string s(kind);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

kube::Result<std::map<std::string, std::string>> init_promise_files(const InitPromiseOptions& o) {
  for (const auto& [flag, value] : {std::pair{"name", &o.name}, std::pair{"--group", &o.group}, std::pair{"--kind", &o.kind}}) {
    if (value->empty()) return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, std::string(flag) + " is required"));
  }
  const Names n{.name = o.name, .group = o.group, .kind = o.kind, .version = o.version.empty() ? "v1alpha1" : o.version,
                .plural = o.plural.empty() ? singular_of(o.kind) + "s" : o.plural, .singular = singular_of(o.kind)};
  std::map<std::string, std::string> files = {{kExampleResourceFile, example_resource(n)}, {kReadmeFile, readme(n, o.split)}};
  if (o.split) {
    files[kApiFile] = crd(n, "");
    files[kDependenciesFile] = "";
  } else {
    files[kPromiseFile] = promise_yaml(n);
  }
  return files;
}

kube::Result<std::string> init_promise(const InitPromiseOptions& options, const std::filesystem::path& dir) {
  auto files = init_promise_files(options);
  if (!files) return std::unexpected(files.error());
  for (const auto& [path, content] : *files) {
    if (auto s = write_text_file(dir / path, content); !s) return std::unexpected(s.error());
  }
  const std::string where = dir == "." ? "current" : dir.string();
  return options.name + " promise bootstrapped in the " + where + " directory";
}

}  // namespace pave::scaffold
