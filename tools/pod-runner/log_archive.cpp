#include "log_archive.h"

#include <fstream>
#include <sstream>

namespace pave::podrunner {

namespace fs = std::filesystem;

namespace {

// A pod uid or container name as one path component: the API server validates both, but `logs` takes
// a container name from its command line.
bool plain_component(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos;
}

}  // namespace

kube::Status LogArchive::keep(const Podman& podman, const std::string& pod_uid, const std::vector<ContainerRun>& runs) const {
  for (const auto& run : runs) {
    if (!plain_component(pod_uid) || !plain_component(run.container)) continue;
    const fs::path target = file(pod_uid, run.container, run.attempt);
    std::error_code ec;
    if (fs::exists(target, ec)) continue;
    auto text = podman.logs(run.id);
    if (!text) return std::unexpected(text.error());
    fs::create_directories(target.parent_path(), ec);
    const fs::path partial = target.string() + ".partial";
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out << *text;
      if (!out.flush()) {
        return std::unexpected(kube::make_error(kube::ErrorKind::kOther, "cannot write " + partial.string()));
      }
    }
    fs::rename(partial, target, ec);
    if (ec) return std::unexpected(kube::make_error(kube::ErrorKind::kOther, "cannot write " + target.string() + ": " + ec.message()));
  }
  return {};
}

std::vector<int> LogArchive::attempts(const std::string& pod_uid, const std::string& container) const {
  std::set<int> found;
  if (!plain_component(pod_uid) || !plain_component(container)) return {};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / pod_uid / container, ec)) {
    const fs::path name = entry.path().filename();
    if (name.extension() != ".log") continue;
    const std::string stem = name.stem().string();
    if (!stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos) found.insert(std::stoi(stem));
  }
  return {found.begin(), found.end()};
}

std::optional<std::string> LogArchive::read(const std::string& pod_uid, const std::string& container, int attempt) const {
  if (!plain_component(pod_uid) || !plain_component(container)) return std::nullopt;
  std::ifstream in(file(pod_uid, container, attempt), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void LogArchive::remove(const std::string& pod_uid) const {
  if (!plain_component(pod_uid)) return;
  std::error_code ec;
  fs::remove_all(root_ / pod_uid, ec);
}

void LogArchive::remove_all_but(const std::set<std::string>& live) const {
  std::error_code ec;
  std::vector<fs::path> gone;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!live.contains(entry.path().filename().string())) gone.push_back(entry.path());
  }
  for (const auto& path : gone) fs::remove_all(path, ec);
}

}  // namespace pave::podrunner
