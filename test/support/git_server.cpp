#include "support/git_server.h"

#include "support/test_certs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <thread>

namespace pave::testing {
namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool accepting(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::expected<GitServer, std::string> GitServer::start(const std::string& user, const std::string& password) {
  GitServer s;
  auto dir = base::TempDir::create("git-server");
  if (!dir) return std::unexpected(dir.error());
  s.dir_.emplace(std::move(*dir));
  s.user_ = user;
  s.password_ = password;
  const std::string d = s.dir_->path().string();
  for (const char* sub : {"repos", "tmp", "work"}) std::filesystem::create_directories(d + "/" + sub);
  auto htpasswd = base::run({.argv = {"htpasswd", "-bc", d + "/htpasswd", user, password}});
  if (!htpasswd.ok()) return std::unexpected("htpasswd: " + htpasswd.err);

  if (auto certs = make_test_certificates(d); !certs) return std::unexpected(certs.error());

  auto fcgi = base::Child::spawn({"fcgiwrap", "-c", "4", "-s", "unix:" + d + "/fcgiwrap.sock"}, {}, d + "/fcgiwrap.log");
  if (!fcgi) return std::unexpected(fcgi.error());
  s.fcgiwrap_.emplace(std::move(*fcgi));

  s.port_ = free_port();
  s.https_port_ = free_port();
  std::ofstream(d + "/nginx.conf") << "worker_processes 1;\ndaemon off;\nuser root;\npid " << d << "/nginx.pid;\n"
      << "error_log " << d << "/nginx-error.log;\nevents { worker_connections 256; }\nhttp {\n"
      << "  access_log off;\n  client_max_body_size 0;\n"
      << "  client_body_temp_path " << d << "/tmp/body;\n  fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
      << "  proxy_temp_path " << d << "/tmp/proxy;\n  uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
      << "  scgi_temp_path " << d << "/tmp/scgi;\n"
      << "  server {\n    listen 127.0.0.1:" << s.port_ << ";\n"
      << "    listen 127.0.0.1:" << s.https_port_ << " ssl;\n"
      << "    ssl_certificate " << d << "/tls.crt;\n    ssl_certificate_key " << d << "/tls.key;\n"
      << "    location ~ ^/git(/.*) {\n      auth_basic \"git\";\n      auth_basic_user_file " << d << "/htpasswd;\n"
      << "      include /etc/nginx/fastcgi_params;\n"
      << "      fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;\n"
      << "      fastcgi_param GIT_PROJECT_ROOT " << d << "/repos;\n      fastcgi_param GIT_HTTP_EXPORT_ALL \"\";\n"
      << "      fastcgi_param PATH_INFO $1;\n      fastcgi_param REMOTE_USER $remote_user;\n"
      << "      fastcgi_pass unix:" << d << "/fcgiwrap.sock;\n    }\n  }\n}\n";
  auto nginx = base::Child::spawn({"nginx", "-c", d + "/nginx.conf", "-e", d + "/nginx-error.log"}, {}, d + "/nginx.log");
  if (!nginx) return std::unexpected(nginx.error());
  s.nginx_.emplace(std::move(*nginx));
  // OpenSSH: a host key, two client keys (ed25519 and ECDSA; libssh2 1.10 cannot sign with RSA-SHA2).
  s.ssh_port_ = free_port();
  const std::string keys = "ssh-keygen -q -t ed25519 -N '' -f " + d + "/host_ed25519 && "
                           "ssh-keygen -q -t ed25519 -N '' -f " + d + "/client_ed25519 && "
                           "ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f " + d + "/client_ecdsa && "
                           "cat " + d + "/client_ed25519.pub " + d + "/client_ecdsa.pub > " + d + "/authorized_keys && "
                           "mkdir -p /run/sshd";
  if (auto made = base::run({.argv = {"sh", "-c", keys}}); !made.ok()) return std::unexpected("ssh-keygen: " + made.err);
  std::ofstream(d + "/sshd_config") << "ListenAddress 127.0.0.1\nPort " << s.ssh_port_ << "\nHostKey " << d
      << "/host_ed25519\nPidFile " << d << "/sshd.pid\nAuthorizedKeysFile " << d << "/authorized_keys\n"
      << "StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
      << "PermitRootLogin prohibit-password\nUsePAM no\n";
  auto sshd = base::Child::spawn({"/usr/sbin/sshd", "-D", "-e", "-f", d + "/sshd_config"}, {}, d + "/sshd.log");
  if (!sshd) return std::unexpected(sshd.error());
  s.sshd_.emplace(std::move(*sshd));

  for (int i = 0; i < 100 && !(accepting(s.port_) && accepting(s.https_port_) && accepting(s.ssh_port_)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!accepting(s.port_)) return std::unexpected("nginx did not start: " + base::run({.argv = {"cat", d + "/nginx-error.log"}}).out);
  return s;
}

GitServer::~GitServer() { stop(); }

void GitServer::stop() {
  if (sshd_) {
    sshd_->signal(SIGTERM);
    sshd_->wait_for(std::chrono::seconds(5));
    sshd_.reset();
  }
  if (nginx_) {
    nginx_->signal(SIGQUIT);
    if (!nginx_->wait_for(std::chrono::seconds(5))) nginx_->signal(SIGKILL), nginx_->wait_for(std::chrono::seconds(5));
    nginx_.reset();
  }
  if (fcgiwrap_ && fcgiwrap_->pid() > 0 && dir_ && !dir_->path().empty()) {  // not a moved-from server
    // fcgiwrap's workers outlive it, and it forks new ones when they die: stop its process group's every
    // member at once by the socket path they all carry on their command line (unique to this server).
    const std::string socket = dir_->path().string() + "/fcgiwrap.sock";
    base::run({.argv = {"pkill", "-STOP", "-f", socket}});
    base::run({.argv = {"pkill", "-KILL", "-f", socket}});
    fcgiwrap_->wait_for(std::chrono::seconds(5));
    fcgiwrap_.reset();
  }
}

std::string GitServer::repo_path(const std::string& name) const { return dir_->path().string() + "/repos/" + name + ".git"; }

std::string GitServer::create_repo(const std::string& name) {
  const std::string path = repo_path(name);
  base::run({.argv = {"git", "init", "--quiet", "--bare", "-b", "main", path}});
  base::run({.argv = {"git", "-C", path, "config", "http.receivepack", "true"}});
  return url(name);
}

std::string GitServer::url(const std::string& name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/git/" + name + ".git";
}

std::string GitServer::https_url(const std::string& name) const {
  return "https://localhost:" + std::to_string(https_port_) + "/git/" + name + ".git";
}

std::string GitServer::ssh_url(const std::string& name) const {
  return "ssh://root@127.0.0.1:" + std::to_string(ssh_port_) + repo_path(name);
}

std::string GitServer::ca_pem() const { return base::run({.argv = {"cat", ca_file()}}).out; }

std::string GitServer::known_hosts() const {
  return base::run({.argv = {"ssh-keyscan", "-p", std::to_string(ssh_port_), "-t", "ed25519", "127.0.0.1"}}).out;
}

std::string GitServer::client_key(const std::string& kind) const {
  return base::run({.argv = {"cat", dir_->path().string() + "/client_" + kind}}).out;
}

std::string GitServer::url_with_credentials(const std::string& name) const {
  return "http://" + user_ + ":" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/git/" + name + ".git";
}

base::ProcessOutput GitServer::git(const std::string& dir, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"git", "-C", dir, "-c", "user.name=someone", "-c", "user.email=someone@example.com"};
  argv.insert(argv.end(), args.begin(), args.end());
  return base::run({.argv = argv});
}

std::string GitServer::clone(const std::string& name) const {
  const std::string target = dir_->path().string() + "/work/clone-" + std::to_string(++clones_);
  base::run({.argv = {"git", "clone", "--quiet", url_with_credentials(name), target}});
  return target;
}

void GitServer::pause(bool paused) const {
  // fcgiwrap and the workers it preforked, which run git-http-backend.
  const std::string signal = paused ? "-STOP" : "-CONT", pid = std::to_string(fcgiwrap_->pid());
  base::run({.argv = {"sh", "-c", "kill " + signal + " " + pid + "; pkill " + signal + " -P " + pid + "; true"}});
}

}  // namespace pave::testing
