#include "support/leftovers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace pave::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// This process and every ancestor: the test runner that started it carries the same markers.
std::set<std::string> self_and_ancestors() {
  std::set<std::string> out;
  for (pid_t pid = getpid(); pid > 1;) {
    out.insert(std::to_string(pid));
    std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
    pid_t parent = 0;
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("PPid:")) parent = std::stoi(line.substr(5));
    }
    pid = parent;
  }
  return out;
}

}  // namespace

std::vector<std::string> processes_mentioning(const std::string& needle) {
  const std::set<std::string> mine = self_and_ancestors();
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || mine.contains(pid)) continue;
    const std::string cmdline = read_file(entry.path() / "cmdline");
    if (cmdline.find(needle) == std::string::npos && read_file(entry.path() / "environ").find(needle) == std::string::npos) {
      continue;
    }
    std::string shown = cmdline;
    for (char& c : shown) c = c == '\0' ? ' ' : c;
    found.push_back(pid + " " + shown.substr(0, 160));
  }
  return found;
}

}  // namespace pave::testing
