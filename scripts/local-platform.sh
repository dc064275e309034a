#!/usr/bin/env bash
# Sets up Pave on this machine and starts the local platform: one real Kubernetes control plane (etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler) on loopback with Pave's CRDs, the pave
# controller, and a pod runner that runs the pods scheduled to its Node in podman containers. State lives in $PAVE_HOME (default
# ~/.local/share/pave) and survives restarts. Stop it with Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j2 --target pave_cluster pave-pod-runner pave
bin=$(tools/k8s/build.sh)
PAVE_BINARY=build/bin/pave tools/images/build.sh >/dev/null
home=${PAVE_HOME:-$HOME/.local/share/pave}
mkdir -p "$home/pod-runner"
mkdir -p "$home/pave"
pid_file="$home/pod-runner/pid"
pave_pid_file="$home/pave/pid"
# The runner and the controller start inside the pipeline below; their pid files let this shell stop them.
cleanup() {
  for f in "$pid_file" "$pave_pid_file"; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  true
}
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
      "$bin/kubectl" --kubeconfig "$kubeconfig" apply -f deploy/crds >/dev/null
      # Promise pipelines run in Kratix's system namespace.
      "$bin/kubectl" --kubeconfig "$kubeconfig" create namespace kratix-platform-system 2>/dev/null || true
      build/bin/pave controller --kubeconfig "$kubeconfig" --cache-dir "$home/pave/cache" --health-port 0 \
        >"$home/pave/controller.log" 2>&1 &
      echo $! >"$pave_pid_file"
      echo
      echo "The platform cluster is up with Pave's CRDs, the pave controller (log: $home/pave/controller.log) and"
      echo "a pod runner for Node platform-node (log: $home/pod-runner/runner.log)."
      echo "In another shell:"
      echo "  export KUBECONFIG=$kubeconfig PATH=$bin:\$PATH"
      echo "  kubectl apply -f $PWD/deploy/examples/promise.yaml && kubectl apply -f $PWD/deploy/examples/request.yaml"
      echo "  kubectl get promises,apps,jobs,works -A     # the App request's pipeline runs as a Job; its Work waits for a Destination"
      echo "  kubectl create job hello --image=localhost/pave-pipeline-utility:dev -- echo hello"
      echo "  $PWD/build/bin/pave-pod-runner logs --kubeconfig $kubeconfig default/\$(kubectl get pod -l job-name=hello -o name | cut -d/ -f2) hello"
      echo "Ctrl-C stops it; its state stays in $home."
    fi
  done
