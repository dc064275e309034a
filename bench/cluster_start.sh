#!/usr/bin/env bash
# Measures how long pave-cluster takes to bring one control plane to READY (API server /readyz, default
# ServiceAccount created by the controller-manager, scheduler healthy) and each component's resident
# memory just after. Usage: bench/cluster_start.sh [RUNS]   (needs a configured build/ directory)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bin=$(tools/k8s/build.sh)
launcher=build/bin/pave-cluster
times=()
for i in $(seq "$runs"); do
  dir=$(mktemp -d)
  exec {in}< <(sleep 600)
  start=$(date +%s%N)
  coproc LAUNCH { "$launcher" up --dir "$dir/state" --bin "$bin" --name bench <&$in; }
  read -r line <&"${LAUNCH[0]}"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  times+=("$ms")
  if [[ $i == "$runs" ]]; then
    for c in etcd kube-apiserver kube-controller-manager kube-scheduler; do
      pid=$(pgrep -f "^$bin/$c .*$dir" | head -1)
      printf '%-24s %6d MB RSS\n' "$c" $(( $(awk '/VmRSS/{print $2}' /proc/$pid/status) / 1024 ))
    done
  fi
  kill -TERM "$LAUNCH_PID"; wait "$LAUNCH_PID" || true
  exec {in}<&-
  rm -rf "$dir"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "time to READY over $runs runs (ms): min $(echo "$sorted" | head -1)" \
     "median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") max $(echo "$sorted" | tail -1)"
