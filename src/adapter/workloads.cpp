#include "adapter/workloads.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/compression.h"

namespace pave::adapter {
namespace {

namespace fs = std::filesystem;
using kube::ErrorKind;

kube::Error refused(const std::string& relative, const std::string& why) {
  return kube::make_error(ErrorKind::kInvalid, "pipeline output " + relative + " " + why +
                                                   "; only regular files and directories are turned into workloads");
}

// The entries of a directory sorted by name, as Go's os.ReadDir returns them.
kube::Result<std::vector<fs::directory_entry>> sorted_entries(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) return std::unexpected(kube::make_error(ErrorKind::kOther, "cannot read " + dir.string() + ": " + ec.message()));
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename().string() < b.path().filename().string(); });
  return entries;
}

kube::Result<Workload> read_workload(const fs::path& file, const std::string& relative) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return std::unexpected(kube::make_error(ErrorKind::kOther, "cannot read pipeline output " + relative));
  return Workload{relative, base::gzip_base64(content.str())};
}

kube::Status collect(const fs::path& dir, const std::string& prefix, const std::vector<std::string>& skip,
                     std::vector<Workload>& out) {
  auto entries = sorted_entries(dir);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& entry : *entries) {
    const std::string name = entry.path().filename().string();
    const std::string relative = prefix.empty() ? name : prefix + "/" + name;
    std::error_code ec;
    const auto status = entry.symlink_status(ec);
    if (ec) return std::unexpected(kube::make_error(ErrorKind::kOther, "cannot stat " + relative + ": " + ec.message()));
    if (fs::is_symlink(status)) return std::unexpected(refused(relative, "is a symbolic link"));
    if (fs::is_directory(status)) {
      if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
      if (auto done = collect(entry.path(), relative, {}, out); !done) return done;
    } else if (fs::is_regular_file(status)) {
      auto workload = read_workload(entry.path(), relative);
      if (!workload) return std::unexpected(workload.error());
      out.push_back(std::move(*workload));
    } else {
      return std::unexpected(refused(relative, "is not a regular file"));
    }
  }
  return {};
}

}  // namespace

kube::Result<std::vector<Workload>> read_workloads(const fs::path& root, const std::string& directory,
                                                   const std::vector<std::string>& skip) {
  const bool whole_tree = directory == ".";
  const fs::path dir = whole_tree ? root : root / directory;
  std::error_code ec;
  const auto status = fs::symlink_status(dir, ec);
  if (!whole_tree && fs::is_symlink(status)) return std::unexpected(refused(directory, "is a symbolic link"));
  if (!fs::is_directory(fs::status(dir, ec))) {
    return std::unexpected(kube::make_error(
        ErrorKind::kInvalid, whole_tree ? "the pipeline output directory " + root.string() + " does not exist"
                                        : "directory " + directory + " named in destination-selectors.yaml is not a "
                                          "directory of the pipeline output"));
  }
  std::vector<Workload> out;
  if (auto done = collect(dir, whole_tree ? "" : directory, skip, out); !done) return std::unexpected(done.error());
  return out;
}

kube::Json workloads_json(const std::vector<Workload>& workloads) {
  kube::Json out = kube::Json::array();
  for (const auto& w : workloads) out.push_back({{"filepath", w.filepath}, {"content", w.content}});
  return out;
}

}  // namespace pave::adapter
