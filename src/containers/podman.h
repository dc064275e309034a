// The container engine as the pod runner sees it: podman with runc, one container per run of a pod's
// container, found again by labels. Podman (not the pod runner) holds what ran and how it ended, so a
// restarted pod runner picks up exactly where it was.
//
// Several runners share one host's podman (one per cluster in the e2e tests, test binaries side by side,
// the local platform next to a test), so every container carries its runner's owner labels (Node and
// cluster), and a Podman made for an owner sees and removes only that owner's containers.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "containers/container_security.h"
#include "kube/error.h"

namespace pave::containers {

// One run of one container of a pod.
struct ContainerRun {
  std::string id;
  std::string container;     // the pod's container name
  int attempt = 0;           // 0 for the first run, then one more per restart
  bool running = false;
  bool exited = false;
  int exit_code = 0;
  std::string started_at;    // RFC 3339, empty before it started
  std::string finished_at;   // for a container never started, when it was created
  // Made but never started: podman keeps a container whose start failed (a command that is not in the
  // image, a limit the kernel refuses) this way, without the reason. Whoever starts containers decides
  // what it means (the pod runner: a StartError).
  bool created = false;
  std::string start_error;   // why it could not start, once known
};

struct Mount {
  std::string host_path;
  std::string container_path;
  bool read_only = false;
};

// Why podman cannot take these mounts, or nothing: it reads a mount as "host:container:options", so a ':'
// in either path would be taken for the next field. (The API server refuses a mountPath with ':', but not
// every host path.)
std::optional<std::string> refuse_mounts(const std::vector<Mount>& mounts);

struct RunSpec {
  std::string pod_uid;
  std::string container;
  int attempt = 0;
  std::string image;
  std::optional<std::vector<std::string>> command;  // replaces the image's entrypoint
  std::optional<std::vector<std::string>> args;     // replaces the image's cmd
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;
  std::vector<Mount> mounts;
  SecurityOptions security;
  ResourceLimits limits;
  std::string image_user;  // the image's configured user, for runAsGroup without runAsUser
};

// Whose containers these are: the Node a runner plays and the cluster that Node is in (the uid of the
// cluster's kube-system namespace, which no other cluster shares).
struct Owner {
  std::string node;
  std::string cluster;
};

class Podman {
 public:
  // A Podman acting for owner. With no owner (an empty one) it sees every runner's containers, which
  // only read-only commands (logs) may use.
  explicit Podman(Owner owner = {}, std::string program = "podman")
      : owner_(std::move(owner)), program_(std::move(program)) {}

  // Whether podman (or what it runs) reads this environment variable itself, so a container's value for
  // it must not be put in podman's environment.
  static bool podman_reads(const std::string& name);

  // Starts a container in the background and returns its id; the error is podman's reason. Environment
  // values never appear on podman's command line unless podman_reads() their name.
  kube::Result<std::string> start(const RunSpec& spec) const;

  struct Finished {
    int exit_code = 0;
    std::string output;  // what the container printed: its standard output, then its standard error
  };

  // Runs a container to its end in the foreground and removes it. An error when podman itself fails (an
  // image not on this host) or the container outlives timeout (it is then removed).
  kube::Result<Finished> run(const RunSpec& spec, std::chrono::seconds timeout) const;

  // Every run of every container of a pod (or of all pods the runner made, when pod_uid is empty).
  kube::Result<std::vector<ContainerRun>> runs(const std::string& pod_uid) const;

  // Uids of every pod of this owner that has containers.
  kube::Result<std::vector<std::string>> pod_uids() const;

  // Starts a container that was created but never started; the error carries podman's reason.
  kube::Status start_created(const std::string& container_id) const;

  // Stops one container (SIGTERM, then SIGKILL after grace) and keeps it, as a kubelet does before it
  // restarts a container whose liveness probe failed.
  kube::Status stop(const std::string& container_id, std::chrono::seconds grace) const;

  // Removes these containers (killing any still running).
  kube::Status remove(const std::vector<std::string>& container_ids) const;

  // Stops (SIGTERM, then SIGKILL after grace) and removes every container of a pod.
  kube::Status remove_pod(const std::string& pod_uid, std::chrono::seconds grace) const;

  // The user an image runs as ("" when it names none, which is root), or nothing when the image is not
  // on this host.
  kube::Result<std::optional<std::string>> image_user(const std::string& image) const;

  // Pulls an image from its registry; the error carries podman's reason.
  kube::Status pull(const std::string& image) const;

  // What a container printed: its standard output, then its standard error.
  kube::Result<std::string> logs(const std::string& container_id) const;

  // The command that prints podman's container events from `since` ago on (a duration, "10s") and then
  // as they happen, one JSON object a line: what lets a caller learn of a container's end at once
  // instead of asking podman again and again.
  std::vector<std::string> events_command(const std::string& since) const;

  // The pod uid of the container that one line of events_command() says died, when that container is
  // this owner's; nothing for any other line.
  std::optional<std::string> died_pod(const std::string& event_line) const;

  // The name podman knows a run by.
  static std::string container_name(const std::string& pod_uid, const std::string& container, int attempt);

 private:
  struct Invocation {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // values of --env NAME, kept off the command line
    std::string refused;                     // why the spec cannot be run safely
  };
  Invocation run_invocation(const RunSpec& spec, bool detach) const;
  std::vector<std::string> owner_filters() const;

  Owner owner_;
  std::string program_;
};

}  // namespace pave::containers
