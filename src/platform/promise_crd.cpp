#include "platform/promise_crd.h"

#include <algorithm>
#include <cctype>

#include "kube/object.h"
#include "api/kratix.h"

namespace pave::platform {
namespace {

using kube::Json;

kube::Error invalid(const std::string& message) {
  return kube::make_error(kube::ErrorKind::kInvalid, "promise api is not a valid CRD: " + message);
}

// The status schema Kratix puts on every version: what the controller and the status-writer write, and
// anything else a pipeline's status.yaml adds.
Json status_schema() {
  const Json condition = {{"type", "object"},
                          {"properties",
                           {{"type", {{"type", "string"}}},
                            {"status", {{"type", "string"}}},
                            {"reason", {{"type", "string"}}},
                            {"message", {{"type", "string"}}},
                            {"lastTransitionTime", {{"type", "string"}, {"format", "date-time"}}},
                            {"observedGeneration", {{"type", "integer"}, {"format", "int64"}}}}}};
  const Json pipeline = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"type", "object"},
          {"x-kubernetes-preserve-unknown-fields", true},
          {"properties",
           {{"message", {{"type", "string"}}},
            {"observedGeneration", {{"type", "integer"}, {"format", "int64"}}},
            {"workflows", {{"type", "integer"}, {"format", "int64"}}},
            {"workflowsSucceeded", {{"type", "integer"}, {"format", "int64"}}},
            {"workflowsFailed", {{"type", "integer"}, {"format", "int64"}}},
            {"conditions", {{"type", "array"}, {"items", condition}}},
            {"kratix",
             {{"type", "object"},
              {"x-kubernetes-preserve-unknown-fields", true},
              {"properties",
               {{"workflows",
                 {{"type", "object"},
                  {"x-kubernetes-preserve-unknown-fields", true},
                  {"properties",
                   {{"lastSuccessfulConfigureWorkflowTime", {{"type", "string"}, {"format", "date-time"}}},
                    {"suspendedGeneration", {{"type", "integer"}, {"format", "int64"}}},
                    {"pipelines", {{"type", "array"}, {"items", pipeline}}}}}}}}}}}}}};
}

Json default_printer_columns() {
  return Json::array({{{"name", "message"}, {"type", "string"}, {"jsonPath", ".status.message"}},
                      {{"name", "status"}, {"type", "string"}, {"jsonPath", ".status.conditions[?(@.type==\"Reconciled\")].message"}}});
}

std::string text(const Json& object, const char* key) {
  const Json& v = kube::child(object, key);
  return v.is_string() ? v.get<std::string>() : "";
}

kube::Status check(const Json& crd) {
  if (text(crd, "kind") != "CustomResourceDefinition") return std::unexpected(invalid("kind must be CustomResourceDefinition"));
  const Json& spec = kube::child(crd, "spec");
  if (text(spec, "group").empty()) return std::unexpected(invalid("spec.group is required"));
  const Json& names = kube::child(spec, "names");
  if (text(names, "kind").empty() || text(names, "plural").empty()) {
    return std::unexpected(invalid("spec.names.kind and spec.names.plural are required"));
  }
  if (text(crd.value("metadata", Json::object()), "name") != text(names, "plural") + "." + text(spec, "group")) {
    return std::unexpected(invalid("metadata.name must be <plural>.<group>"));
  }
  const Json& versions = kube::child(spec, "versions");
  if (!versions.is_array() || versions.empty()) return std::unexpected(invalid("spec.versions must list at least one version"));
  if (auto scope = text(spec, "scope"); !scope.empty() && scope != "Namespaced") {
    return std::unexpected(kube::make_error(kube::ErrorKind::kInvalid, "promise api needs to be namespace scoped"));
  }
  return {};
}

}  // namespace

kube::Result<std::optional<Json>> promise_crd(const Json& promise) {
  const Json& api = kube::child(kube::child(promise, "spec"), "api");
  if (!api.is_object() || api.empty()) return std::optional<Json>{};
  if (auto s = check(api); !s) return std::unexpected(s.error());
  Json crd = api;
  crd["apiVersion"] = "apiextensions.k8s.io/v1";
  crd["metadata"] = {{"name", crd["metadata"]["name"]},
                     {"labels", crd["metadata"].value("labels", Json::object())}};
  crd["metadata"]["labels"][api::kLabelPromiseName] = kube::meta::name(promise);
  crd["spec"]["scope"] = "Namespaced";
  Json& versions = crd["spec"]["versions"];
  bool any_storage = false;
  for (const auto& v : versions) any_storage = any_storage || v.value("storage", false);
  for (size_t i = 0; i < versions.size(); ++i) {
    Json& v = versions[i];
    if (!any_storage && i == 0) v["storage"] = true;
    if (!v.contains("served")) v["served"] = true;
    v["subresources"]["status"] = Json::object();
    Json& schema = v["schema"]["openAPIV3Schema"];
    if (!schema.is_object()) schema = {{"type", "object"}};
    if (!schema.contains("type")) schema["type"] = "object";
    schema["properties"]["status"] = status_schema();
    if (!v.contains("additionalPrinterColumns") || v["additionalPrinterColumns"].empty()) {
      v["additionalPrinterColumns"] = default_printer_columns();
    }
    if (v.value("storage", false)) {
      // Request names become label values (kratix.io/resource-name), which hold 63 characters.
      schema["properties"]["metadata"] = {{"type", "object"},
                                          {"properties", {{"name", {{"type", "string"}, {"maxLength", 63}}}}}};
    }
  }
  return std::optional<Json>(std::move(crd));
}

std::string promise_api_version(const Json& crd) {
  std::string version;
  for (const auto& v : kube::child(kube::child(crd, "spec"), "versions")) {
    if (v.value("storage", false)) version = v.value("name", "");
  }
  std::string out = text(kube::child(crd, "spec"), "group") + "/" + version;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace pave::platform
