#include "statestore/writer.h"

#include <filesystem>
#include <string_view>

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

namespace {

// Appends path's segments to out, "/"-separated, without empty or "." segments. ".." segments are dropped
// too, so that no prefix climbs out of the store's root: the state store reconciler refuses such a prefix
// first (contained_prefix), and a file path with one never gets here (check_paths).
void append_segments(std::string& out, std::string_view path) {
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (segment.empty() || segment == "." || segment == "..") continue;
    if (!out.empty()) out += '/';
    out += segment;
  }
}

}  // namespace

bool contained_prefix(const std::string& prefix) {
  for (const auto& part : std::filesystem::path(prefix)) {
    if (part == "..") return false;
  }
  return true;
}

std::string store_path(const std::string& prefix, const std::string& path) {
  std::string out;
  append_segments(out, prefix);
  append_segments(out, path);
  // "dir/" lists what is inside dir, not dir2's files too.
  if (path.ends_with('/') && !out.empty()) out += '/';
  return out;
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
