#include "localtest/report.h"

#include <set>

#include <fmt/format.h>

#include "kube/object.h"
#include "kube/yaml.h"

namespace pave::localtest {
namespace {

using kube::Json;

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{:.2f}s", d.count() / 1000.0); }

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += prefix + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "(none)";
  std::string s;
  for (const auto& [k, v] : labels) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

void pipelines_text(std::string& out, const WorkflowResult& w) {
  out += fmt::format("  {}.configure: {}\n", w.type, to_string(w.end));
  for (const auto& p : w.pipelines) {
    out += fmt::format("    {} {}\n", p.succeeded ? (p.suspended ? "held" : "ok  ") : "FAIL", p.name);
    for (const auto& c : p.containers) {
      out += fmt::format("        container {} ({}): exit {}, {}\n", c.name, c.image, c.exit_code, seconds(c.duration));
    }
    for (const auto& f : p.output) out += fmt::format("        output   {} ({} B)\n", f.path, f.size);
    for (const auto& f : p.metadata) out += fmt::format("        metadata {} ({} B)\n", f.path, f.size);
    for (const auto& warning : p.warnings) out += "        warning: " + warning + "\n";
    if (!p.succeeded) {
      out += "        error: " + p.error + "\n";
      if (!p.containers.empty() && p.containers.back().exit_code != 0) {
        out += "        log of " + p.containers.back().name + ":\n" + indent(p.containers.back().log, "          | ");
      }
    }
  }
}

// The status in short: its message, each condition, and the fields the pipelines wrote.
void status_text(std::string& out, const Json& status) {
  if (status.contains("message")) out += "  message: " + status.value("message", "") + "\n";
  for (const Json& c : status.value("conditions", Json::array())) {
    out += fmt::format("  {}={} ({})", c.value("type", ""), c.value("status", ""), c.value("reason", ""));
    if (c.value("status", "") != "True") out += ": " + c.value("message", "");
    out += "\n";
  }
  static const std::set<std::string> kKratix = {"message", "conditions", "kratix", "workflows", "workflowsSucceeded",
                                                 "workflowsFailed", "observedGeneration", "lastSuccessfulConfigureWorkflowTime",
                                                 "promiseVersion", "resourceBindingVersion"};
  Json own = Json::object();
  for (const auto& [k, v] : status.items()) {
    if (!kKratix.contains(k)) own[k] = v;
  }
  if (!own.empty()) out += "  written by the pipelines:\n" + indent(kube::to_yaml(own), "    ");
}

std::string work_kind(const Json& work) {
  const std::string type = kube::meta::label(work, "kratix.io/work-type");
  return type.empty() ? "work" : type;
}

void works_text(std::string& out, const LocalTestRun& run, const PlacementPreview& preview) {
  out += "Works\n";
  for (const Json& work : run.works) {
    const std::string name = kube::meta::name(work);
    out += fmt::format("  {}/{} ({})\n", kube::meta::namespace_of(work), name, work_kind(work));
    for (const auto& g : preview.groups) {
      if (g.work != name) continue;
      std::string where = "no Destination matches";
      if (!g.destinations.empty()) {
        where.clear();
        for (const auto& d : g.destinations) where += (where.empty() ? "" : ", ") + d;
        if (g.one_of) {
          std::string all;
          for (const auto& d : g.candidates) all += (all.empty() ? "" : ", ") + d;
          where += " (the scheduler picks one of " + all + ")";
        }
      }
      out += fmt::format("    group {} [{}] selector {} -> {}\n", g.directory, g.group_id.substr(0, 5), labels_text(g.selector), where);
    }
  }
}

void files_text(std::string& out, const PlacementPreview& preview) {
  out += "State stores\n";
  std::string current;
  for (const auto& f : preview.files) {
    if (f.destination != current) {
      current = f.destination;
      out += fmt::format("  {} ({})\n", f.destination, f.store);
    }
    out += fmt::format("    {} ({} B)\n", f.path, f.content.size());
  }
  if (preview.files.empty()) out += "  (nothing: no Work found a Destination)\n";
  for (const auto& e : preview.errors) out += "  error: " + e + "\n";
}

Json workflow_json(const WorkflowResult& w) {
  Json pipelines = Json::array();
  for (const auto& p : w.pipelines) {
    Json containers = Json::array();
    for (const auto& c : p.containers) {
      containers.push_back({{"name", c.name}, {"image", c.image}, {"exitCode", c.exit_code}, {"log", c.log},
                            {"seconds", c.duration.count() / 1000.0}});
    }
    Json output = Json::array();
    for (const auto& f : p.output) output.push_back(f.path);
    Json metadata = Json::array();
    for (const auto& f : p.metadata) metadata.push_back(f.path);
    pipelines.push_back({{"name", p.name}, {"succeeded", p.succeeded}, {"suspended", p.suspended}, {"error", p.error},
                         {"containers", containers}, {"output", output}, {"metadata", metadata}});
  }
  return {{"type", w.type}, {"end", to_string(w.end)}, {"pipelines", pipelines}, {"object", w.object}};
}

}  // namespace

bool all_completed(const LocalTestRun& run, const PlacementPreview& preview) {
  if (run.promise.end != WorkflowResult::End::kCompleted || !preview.errors.empty()) return false;
  return !run.request || run.request->end == WorkflowResult::End::kCompleted;
}

std::string render_text(const LocalTestRun& run, const PlacementPreview& preview) {
  std::string out = "Promise " + kube::meta::name(run.promise.object) + "\n";
  pipelines_text(out, run.promise);
  if (run.request) {
    const Json& r = run.request->object;
    out += fmt::format("Request {}/{} ({})\n", kube::meta::namespace_of(r), kube::meta::name(r), r.value("kind", ""));
    pipelines_text(out, *run.request);
  }
  works_text(out, run, preview);
  files_text(out, preview);
  const WorkflowResult& last = run.request ? *run.request : run.promise;
  out += std::string(run.request ? "Request" : "Promise") + " status (-o yaml shows all of it)\n";
  status_text(out, kube::child(last.object, "status"));
  return out;
}

Json render_json(const LocalTestRun& run, const PlacementPreview& preview) {
  Json works = Json::array();
  for (Json w : run.works) {
    if (auto it = preview.work_status.find(kube::meta::name(w)); it != preview.work_status.end()) w["status"] = it->second;
    works.push_back(std::move(w));
  }
  Json groups = Json::array();
  for (const auto& g : preview.groups) {
    groups.push_back({{"work", g.work}, {"id", g.group_id}, {"directory", g.directory}, {"selector", g.selector},
                      {"candidates", g.candidates}, {"destinations", g.destinations}, {"oneOf", g.one_of}});
  }
  Json files = Json::array();
  for (const auto& f : preview.files) {
    files.push_back({{"destination", f.destination}, {"store", f.store}, {"path", f.path}, {"content", f.content}});
  }
  Json out = {{"completed", all_completed(run, preview)}, {"promise", workflow_json(run.promise)}, {"works", works},
              {"placements", groups}, {"files", files}, {"errors", preview.errors}};
  if (run.request) out["request"] = workflow_json(*run.request);
  return out;
}

}  // namespace pave::localtest
