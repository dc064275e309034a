#!/usr/bin/env bash
# Sets up Pave on this machine and starts the local platform: one real Kubernetes control plane (etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler) on loopback, and a pod runner that runs the
# pods scheduled to its Node in podman containers. State lives in $PAVE_HOME (default
# ~/.local/share/pave) and survives restarts. Stop it with Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j2 --target pave_cluster pave-pod-runner
bin=$(tools/k8s/build.sh)
tools/images/build.sh >/dev/null
home=${PAVE_HOME:-$HOME/.local/share/pave}
mkdir -p "$home/pod-runner"
pid_file="$home/pod-runner/pid"
# The runner starts inside the pipeline below; its pid file lets this shell stop it on the way out.
cleanup() { [[ -f $pid_file ]] && kill "$(cat "$pid_file")" 2>/dev/null; rm -f "$pid_file"; true; }
trap cleanup EXIT

echo "starting the platform cluster in $home/platform"
build/bin/pave-cluster up --dir "$home/platform" --bin "$bin" --name platform --ignore-stdin |
  while IFS= read -r line; do
    echo "$line"
    if [[ $line == READY* ]]; then
      kubeconfig=${line#*kubeconfig=}; kubeconfig=${kubeconfig%% *}
      build/bin/pave-pod-runner run --kubeconfig "$kubeconfig" --node platform-node \
        --state-dir "$home/pod-runner" >"$home/pod-runner/runner.log" 2>&1 &
      echo $! >"$pid_file"
      echo
      echo "The platform cluster is up, with a pod runner for Node platform-node (log: $home/pod-runner/runner.log)."
      echo "In another shell:"
      echo "  export KUBECONFIG=$kubeconfig PATH=$bin:\$PATH"
      echo "  kubectl create job hello --image=localhost/pave-pipeline-utility:dev -- echo hello"
      echo "  $PWD/build/bin/pave-pod-runner logs --kubeconfig $kubeconfig default/\$(kubectl get pod -l job-name=hello -o name | cut -d/ -f2) hello"
      echo "Ctrl-C stops it; its state stays in $home."
    fi
  done
