#!/usr/bin/env bash
# Time from `kubectl apply` of a resource request to its objects existing on the destination cluster, on the
# local platform (pave-cluster platform: a platform cluster with Pave and the pod runner, worker-1 and
# worker-2 with Flux, a Git state store), with the pipeline's part shown apart.
#
#   bench/request_to_destination.sh [REQUESTS=20] [FLUX_INTERVAL=5s]      (needs a built build/ directory)
#
# Each request is an App of examples/app for environment dev (so worker-1), applied one at a time. Watches
# (kubectl get -w, timestamped as each event arrives) see, per request: its Work created, its
# WorkPlacement's WriteSucceeded=True (written to the store), its ConfigMap on worker-1, and its Job
# Complete. Prints each phase's median, min and max:
#   pipeline   apply -> Work created: Pave starts the Job, the scheduler binds it, the pod runner runs the
#              reader, the user's container and the work-creator, which creates the Work
#   to store   Work created -> WorkPlacement written: the Work scheduled, the placement written and pushed
#   to cluster written -> ConfigMap on worker-1: Flux's next poll of the store (at most FLUX_INTERVAL), then
#              its Kustomizations applying it
#   Job done   apply -> Job Complete: the whole pipeline, with the status writer after the work-creator
#              (it ends in parallel with the two phases after the pipeline)
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20}
interval=${2:-5s}
k8s=$(tools/k8s/build.sh)
flux=$(tools/flux/build.sh)
PAVE_BINARY=build/bin/pave tools/images/build.sh >/dev/null
kubectl=$k8s/kubectl
home=$(mktemp -d /tmp/pave-bench-platform.XXXXXX)
out=$home/bench
mkdir -p "$out"
pids=()
cleanup() {
  pkill -f -- "--kubeconfig $home/" || true  # the kubectl watches
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n ${platform:-} ]]; then kill -INT "$platform" 2>/dev/null || true; wait "$platform" 2>/dev/null || true; fi
  rm -rf "$home"
}
trap cleanup EXIT

build/bin/pave-cluster platform --home "$home" --k8s-bin "$k8s" --flux-bin "$flux" --pave "$PWD/build/bin/pave" \
  --pod-runner "$PWD/build/bin/pave-pod-runner" --crds "$PWD/deploy/crds" --examples "$PWD/examples/app" \
  --node "bench-node-$$" --flux-interval "$interval" >"$out/platform.log" 2>&1 &
platform=$!
until grep -q '^READY$' "$out/platform.log"; do
  kill -0 "$platform" 2>/dev/null || { cat "$out/platform.log"; exit 1; }
  sleep 0.5
done
platform_kc=$home/platform/admin.kubeconfig
worker_kc=$home/worker-1/admin.kubeconfig

# stamp FILE: prefixes each line read with the time it arrived (ns since the epoch).
stamp() { while IFS= read -r line; do echo "$(date +%s%N) $line"; done >"$1"; }
"$kubectl" --kubeconfig "$platform_kc" get jobs -n default -w -o \
  'jsonpath={.metadata.labels.kratix\.io/resource-name} {.status.conditions[?(@.type=="Complete")].status}{"\n"}' | stamp "$out/jobs" &
pids+=($!)
"$kubectl" --kubeconfig "$platform_kc" get works -n default -w -o \
  'jsonpath={.spec.resourceName}{"\n"}' | stamp "$out/works" &
pids+=($!)
"$kubectl" --kubeconfig "$platform_kc" get workplacements -n default -w -o \
  'jsonpath={.spec.resourceName} {.status.conditions[?(@.type=="WriteSucceeded")].status}{"\n"}' | stamp "$out/placements" &
pids+=($!)
"$kubectl" --kubeconfig "$worker_kc" get configmaps -A -w --field-selector metadata.name=app -o \
  'jsonpath={.metadata.namespace}{"\n"}' | stamp "$out/configmaps" &
pids+=($!)
sleep 2

# first NS FILE PATTERN: the first time (ns) FILE saw a line matching PATTERN.
first() { awk -v p="$2" '$0 ~ p {print $1; exit}' "$1"; }
: >"$out/results"
for i in $(seq "$requests"); do
  name=bench-$i
  t0=$(date +%s%N)
  printf 'apiVersion: example.pave.dev/v1\nkind: App\nmetadata: {name: %s, namespace: default}\nspec: {team: bench, environment: dev}\n' \
    "$name" | "$kubectl" --kubeconfig "$platform_kc" apply -f - >/dev/null
  deadline=$((SECONDS + 120))
  until grep -q " app-$name\$" "$out/configmaps"; do
    ((SECONDS < deadline)) || { echo "request $name did not reach worker-1 in 120 s" >&2; exit 1; }
    sleep 0.05
  done
  until grep -q " $name True\$" "$out/jobs"; do
    ((SECONDS < deadline)) || { echo "request $name's Job did not complete in 120 s" >&2; exit 1; }
    sleep 0.05
  done
  work=$(first "$out/works" " $name\$")
  written=$(first "$out/placements" " $name True\$")
  landed=$(first "$out/configmaps" " app-$name\$")
  job=$(first "$out/jobs" " $name True\$")
  echo "$name $(( (work - t0) / 1000000 )) $(( (written - work) / 1000000 )) $(( (landed - written) / 1000000 )) $(( (landed - t0) / 1000000 )) $(( (job - t0) / 1000000 ))" \
    | tee -a "$out/results"
  sleep 1
done

# stats COLUMN: median min max of a results column, in seconds.
stats() {
  sort -n -k"$1" "$out/results" | awk -v c="$1" '{v[NR]=$c} END {
    m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "%.2f s (min %.2f, max %.2f)", m/1000, v[1]/1000, v[NR]/1000 }'
}
echo
echo "$requests requests, Flux interval $interval; median (min, max):"
echo "  pipeline    apply -> Work created           $(stats 2)"
echo "  to store    Work created -> written         $(stats 3)"
echo "  to cluster  written -> on worker-1          $(stats 4)"
echo "  total       apply -> on worker-1            $(stats 5)"
echo "  Job done    apply -> Job Complete           $(stats 6)"
