#!/usr/bin/env bash
# Sets up Pave on this machine and starts the local platform: for now, one real Kubernetes control plane
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) on loopback. Its state lives in
# $PAVE_HOME/platform (default ~/.local/share/pave) and survives restarts. Stop it with Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j2 --target pave_cluster
bin=$(tools/k8s/build.sh)
home=${PAVE_HOME:-$HOME/.local/share/pave}
mkdir -p "$home"
echo "starting the platform cluster in $home/platform"
build/bin/pave-cluster up --dir "$home/platform" --bin "$bin" --name platform --ignore-stdin |
  while IFS= read -r line; do
    echo "$line"
    if [[ $line == READY* ]]; then
      kubeconfig=${line#*kubeconfig=}; kubeconfig=${kubeconfig%% *}
      echo
      echo "The platform cluster is up. In another shell:"
      echo "  export KUBECONFIG=$kubeconfig PATH=$bin:\$PATH"
      echo "  kubectl get namespaces"
      echo "Ctrl-C stops it; its state stays in $home/platform."
    fi
  done
