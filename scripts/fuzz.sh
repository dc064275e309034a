#!/usr/bin/env bash
# The libFuzzer targets of test/fuzz, built with clang-19 (ASan, UBSan) in build-fuzz/ and each run for
# SECONDS (default 20; random seed PAVE_FUZZ_SEED, default 1 so a run can be repeated) from its seed corpus (test/fuzz/corpus/<target>, copied: what a run finds stays in
# build-fuzz/corpus). Any crash, leak or broken property fails the script, naming the input it kept.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]       (scripts/test.sh runs it with 10 s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
# A unity build, as for the sanitizer builds (scripts/sanitize.sh): the libraries are most of what is built here.
CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DPAVE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build-fuzz -j2 --target fuzz_targets
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(yaml_fuzz workload_fuzz layout_fuzz selectors_fuzz status_fuzz s3_xml_fuzz pipeline_fuzz)
fi
failed=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus" build-fuzz/crashes
  cp -n test/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  # shellcheck disable=SC2086  # PAVE_FUZZ_FLAGS: more libFuzzer flags, e.g. -fork=2 to use both cores
  if ! build-fuzz/fuzz/"$t" -max_total_time="$seconds" -seed="${PAVE_FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${PAVE_FUZZ_FLAGS:-} \
      -artifact_prefix=build-fuzz/crashes/"$t"- "$corpus" >build-fuzz/"$t".log 2>&1; then
    failed+=("$t")
    tail -n 40 build-fuzz/"$t".log
  fi
  # The run's totals: libFuzzer's final stats, or in -fork mode its last progress line.
  { grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" build-fuzz/"$t".log || grep -E "^#[0-9]+: cov" build-fuzz/"$t".log | tail -n 1 || true; } |
    tr '\n' ' ' | sed "s/^/fuzz: $t /"
  echo
done
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in build-fuzz/crashes/)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
