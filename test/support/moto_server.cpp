#include "support/moto_server.h"

#include <sstream>

namespace pave::testing {

std::expected<MotoServer, std::string> MotoServer::start(const std::string& bucket) {
  MotoServer s;
  auto dir = base::TempDir::create("moto-server");
  if (!dir) return std::unexpected(dir.error());
  s.dir_.emplace(std::move(*dir));
  const std::string log = (s.dir_->path() / "moto.log").string();
  auto child = base::Child::spawn({PAVE_MOTO_PYTHON, PAVE_MOTO_SERVER_SCRIPT, bucket}, {}, log);
  if (!child) return std::unexpected(child.error());
  s.server_.emplace(std::move(*child));
  auto line = s.server_->read_line(std::chrono::seconds(60));
  if (!line || !line->starts_with("READY ")) {
    return std::unexpected("moto did not start: " + base::run({.argv = {"tail", "-n", "30", log}}).out);
  }
  std::istringstream words(line->substr(6));
  for (std::string word; words >> word;) {
    const size_t eq = word.find('=');
    const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "port") s.port_ = std::stoi(value);
    if (key == "access_key") s.access_key_ = value;
    if (key == "secret_key") s.secret_key_ = value;
  }
  if (s.port_ == 0 || s.access_key_.empty()) return std::unexpected("moto's READY line is incomplete: " + *line);
  return s;
}

MotoServer::~MotoServer() {
  if (server_) server_->stop(std::chrono::seconds(5));
}

}  // namespace pave::testing
