#include "statestore/writer.h"

#include <filesystem>
#include <string_view>
#include <vector>

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

// Appends path's segments to out as Go's path.Clean reads them: empty and "." segments dropped, ".."
// taking away the segment before it. Returns false when a ".." would take away one of the first floor
// segments (the prefix's, or the root); that ".." is dropped, so nothing climbs out.
bool append_segments(std::vector<std::string_view>& out, std::string_view path, size_t floor) {
  bool contained = true;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment != "..") {
      out.push_back(segment);
    } else if (out.size() > floor) {
      out.pop_back();
    } else {
      contained = false;
    }
  }
  return contained;
}

}  // namespace

bool contained_prefix(const std::string& prefix) {
  std::vector<std::string_view> segments;
  return append_segments(segments, prefix, 0);
}

std::string store_path(const std::string& prefix, const std::string& path) {
  std::vector<std::string_view> segments;
  append_segments(segments, prefix, 0);
  const size_t floor = segments.size();
  append_segments(segments, path, floor);
  std::string out;
  for (const auto& segment : segments) {
    if (!out.empty()) out += '/';
    out += segment;
  }
  // "dir/" lists what is inside dir, not dir2's files too.
  if (path.ends_with('/') && segments.size() > floor) out += '/';
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
