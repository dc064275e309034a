#!/usr/bin/env bash
# Pave's local platform, on loopback: a platform cluster running Pave (pave controller, a pod runner for its
# pipelines) and two destination clusters, worker-1 (environment=dev) and worker-2 (environment=prod), each
# with Flux pulling its directory of a local Git state store. It installs the example Promise and request
# (examples/app), waits until the request's objects are on worker-1, and prints where everything went.
#
#   scripts/local-platform.sh        build what is missing, start, report; runs until Ctrl-C
#   scripts/local-platform.sh stop   stop one started from another shell
#
# State lives in $PAVE_HOME (default ~/.local/share/pave) and is reused: a second start is ready in seconds.
# Stopping stops every process it started and removes the pod runner's containers.
set -euo pipefail
cd "$(dirname "$0")/.."
home=${PAVE_HOME:-$HOME/.local/share/pave}
pid_file=$home/platform.pid
mkdir -p "$home/logs"

# Whether the pid file names a live pave-cluster platform (not another process that got its pid since).
running() {
  [[ -f $pid_file ]] && tr '\0' ' ' 2>/dev/null <"/proc/$(cat "$pid_file")/cmdline" | grep -q 'pave-cluster platform'
}

if [[ ${1:-} == stop ]]; then
  if ! running; then echo "the local platform is not running"; exit 0; fi
  pid=$(cat "$pid_file")
  kill -TERM "$pid"
  for _ in $(seq 1 240); do kill -0 "$pid" 2>/dev/null || { echo "the local platform stopped"; exit 0; }; sleep 0.5; done
  echo "the local platform (pid $pid) did not stop within 120 s; a second 'stop' kills it outright" >&2
  exit 1
fi
if running; then
  echo "the local platform is already running (pid $(cat "$pid_file")); its report:"
  cat "$home/report.txt" 2>/dev/null || echo "(not ready yet: see $home/logs)"
  exit 0
fi

started=$(date +%s)
build_log=$home/logs/build.log
: >"$build_log"
# step WHAT COMMAND...: runs COMMAND with its output in the build log, showing the step and the time so far.
step() {
  local what=$1; shift
  local t0=$SECONDS
  "$@" >>"$build_log" 2>&1 &
  local pid=$!
  if [[ -t 1 ]]; then
    while kill -0 "$pid" 2>/dev/null; do
      printf '\r[%5ds] %s (%ds)' "$(( $(date +%s) - started ))" "$what" "$(( SECONDS - t0 ))"
      sleep 1
    done
    printf '\r\033[K'
  fi
  if ! wait "$pid"; then
    echo "[$(( $(date +%s) - started ))s] $what: failed; the end of $build_log:" >&2
    tail -n 30 "$build_log" >&2
    exit 1
  fi
  printf '[%5ds] %s: done in %ds\n' "$(( $(date +%s) - started ))" "$what" "$(( SECONDS - t0 ))"
}

step "installing Debian, npm and PyPI packages (scripts/install-deps.sh)" scripts/install-deps.sh
step "configuring; the first time this builds the control plane and Flux from Go modules (about 10 min)" \
  cmake -S . -B build -G Ninja
step "building pave, pave-pod-runner and pave-cluster" cmake --build build -j2 --target pave pave-pod-runner pave_cluster
step "building the pipeline images (tools/images)" env PAVE_BINARY=build/bin/pave tools/images/build.sh
k8s_bin=$(tools/k8s/build.sh 2>>"$build_log")
flux_bin=$(tools/flux/build.sh 2>>"$build_log")

exec build/bin/pave-cluster platform --home "$home" --k8s-bin "$k8s_bin" --flux-bin "$flux_bin" \
  --pave "$PWD/build/bin/pave" --pod-runner "$PWD/build/bin/pave-pod-runner" --crds "$PWD/deploy/crds" \
  --examples "$PWD/examples/app"
