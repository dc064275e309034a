#!/usr/bin/env bash
# Fuzzes one target until it has used CPU_SECONDS of processor time (default 3600: issue 20's CPU-hour),
# in chunks of 600 s wall time, each with a new seed, all on the target's corpus in build-fuzz/corpus.
# It runs at nice 19 so it can share a machine with builds; wall time therefore varies, CPU time is what
# counts. Prints one summary line (target, CPU seconds, executions, chunks, findings) and appends it to
# build-fuzz/fuzz-hours.log. A finding stops the run and fails the script. Do not pause it (SIGSTOP):
# libFuzzer's -timeout counts wall time, so a unit paused for more than 10 s is reported as a timeout.
#
#   bench/fuzz_hours.sh TARGET [CPU_SECONDS]        (needs a built build-fuzz: scripts/fuzz.sh 1 TARGET)
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
goal=${2:-3600}
bin=build-fuzz/fuzz/$target
corpus=build-fuzz/corpus/$target
[[ -x $bin ]] || { echo "fuzz_hours: $bin is not built (run scripts/fuzz.sh 1 $target)" >&2; exit 2; }
mkdir -p "$corpus" build-fuzz/crashes
cp -n test/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
cpu=0 execs=0 chunks=0
while (( $(printf '%.0f' "$cpu") < goal )); do
  chunks=$((chunks + 1))
  log=build-fuzz/$target-hours-$chunks.log
  seed=$(( (RANDOM << 15) | RANDOM ))
  if ! /usr/bin/time -f '%U %S' -o "$log.time" nice -n 19 "$bin" -max_total_time=600 -seed="$seed" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/"$target"- "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz_hours: $target FOUND something in chunk $chunks (seed $seed); input in build-fuzz/crashes/" |
      tee -a build-fuzz/fuzz-hours.log
    exit 1
  fi
  cpu=$(awk -v c="$cpu" '{print c + $1 + $2}' "$log.time")
  n=$(awk '/^stat::number_of_executed_units/{print $2}' "$log")
  execs=$((execs + ${n:-0}))
done
line="fuzz_hours: $target cpu_seconds=$(printf '%.0f' "$cpu") executions=$execs chunks=$chunks findings=0 corpus=$(ls "$corpus" | wc -l) $(date -u +%FT%TZ)"
echo "$line" | tee -a build-fuzz/fuzz-hours.log
