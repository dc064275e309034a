#include "statestore/writer.h"

#include <filesystem>

namespace pave::statestore {

bool contained_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : std::filesystem::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

std::optional<kube::Error> check_paths(const Change& change) {
  std::vector<std::string> paths = change.replace_directories;
  paths.insert(paths.end(), change.remove_files.begin(), change.remove_files.end());
  for (const auto& f : change.files) paths.push_back(f.path);
  for (const auto& path : paths) {
    if (path != "." && !contained_path(path)) {
      return kube::make_error(kube::ErrorKind::kInvalid, "path \"" + path + "\" leaves the state store");
    }
  }
  return std::nullopt;
}

std::string store_path(const std::string& prefix, const std::string& path) {
  std::string p = prefix;
  while (!p.empty() && (p.front() == '/' || p.front() == '.')) p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  std::string rest = path;
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  if (rest == ".") rest.clear();
  if (p.empty()) return rest;
  return rest.empty() ? p : p + "/" + rest;
}


std::future<kube::Result<WriteResult>> Writer::submit(Change change) {
  auto done = std::make_shared<std::promise<kube::Result<WriteResult>>>();
  auto future = done->get_future();
  submit(std::move(change), [done](kube::Result<WriteResult> result) { done->set_value(std::move(result)); });
  return future;
}

kube::Error writer_closed_error() {
  kube::Error e = kube::make_error(kube::ErrorKind::kTransient, "the state store's writer was closed (replaced or removed)");
  e.reason = "WriterClosed";
  return e;
}

bool is_writer_closed(const kube::Error& e) { return e.kind == kube::ErrorKind::kTransient && e.reason == "WriterClosed"; }

}  // namespace pave::statestore
