#!/usr/bin/env bash
# The promise author's loop: time from saving a change to a Promise's files to `pave test --watch`
# printing the result, on Kratix's core Promise (test/assets/core-promise: one promise.configure pipeline
# and two resource.configure pipelines, three containers in podman with runc), with the Destinations of
# test/assets/core-promise/destinations.yaml.
#
#   bench/pave_test_loop.sh [CHANGES=20]      (needs a built build/ directory; builds the images if missing)
#
# Each change rewrites promise.yaml with a new greeting for the promise pipeline's container; the time is
# from the write to the watcher's "--- completed in" line. Prints the median, min and max, and the median
# of one-shot `pave test` runs (what --watch saves is the polling wait only: each run starts afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${1:-20}
PAVE_BINARY=build/bin/pave tools/images/build.sh >/dev/null
work=$(mktemp -d /tmp/pave-test-loop.XXXXXX)
trap 'kill "${watcher:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cp test/assets/core-promise/promise.yaml test/assets/core-promise/example-resource.yaml "$work/"
out=$work/watch.log
build/bin/pave test "$work" --watch --destinations test/assets/core-promise/destinations.yaml >"$out" 2>&1 &
watcher=$!
runs() { grep -c -- '^--- ' "$out" || true; }
wait_runs() {  # until the watcher has printed $1 results
  for _ in $(seq 1 600); do [[ $(runs) -ge $1 ]] && return 0; sleep 0.005; done
  echo "pave test --watch printed nothing for 3 s:" >&2; cat "$out" >&2; exit 1
}
wait_runs 1
times=()
for i in $(seq 1 "$changes"); do
  sleep 0.3  # the watcher is back to polling
  before=$(runs)
  start=$(date +%s%N)
  sed "s/value: hello}/value: hello-$i}/" test/assets/core-promise/promise.yaml >"$work/promise.yaml"
  wait_runs $((before + 1))
  end=$(date +%s%N)
  grep -q "^--- completed" <(tail -n 1 "$out") || { echo "run $i did not complete:" >&2; tail -n 60 "$out" >&2; exit 1; }
  times+=($(( (end - start) / 1000000 )))
done
kill "$watcher"; wait "$watcher" 2>/dev/null || true; watcher=
oneshot=()
for i in $(seq 1 10); do
  start=$(date +%s%N)
  build/bin/pave test "$work" --destinations test/assets/core-promise/destinations.yaml >/dev/null
  oneshot+=($(( ($(date +%s%N) - start) / 1000000 )))
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, min %d ms, max %d ms (n=%d)\n", a[int((NR+1)/2)], a[1], a[NR], NR}'; }
echo "change saved -> result printed (pave test --watch): $(stats "${times[@]}")"
echo "one-shot pave test:                                  $(stats "${oneshot[@]}")"
