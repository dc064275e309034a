#!/usr/bin/env bash
# Pave and its unit and integration tests built with sanitizers, each build in a directory of its own, and
# run there (CI runs this after scripts/test.sh):
#   asan  build-asan/: AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer
#   tsan  build-tsan/: ThreadSanitizer
# Every process the tests start inherits the options below and writes any report under
# build-*/sanitizer-reports/, so a report from a controller a test started fails the run as surely as one
# from the test itself. Suppressions (test/sanitizers/, LSan and TSan) name only what is not Pave's code, each
# with why.
#
#   scripts/sanitize.sh [asan|tsan]... [-- ctest arguments]      (default: asan tsan, ctest -L 'unit|integration')
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

kinds=()
while (($#)) && [[ $1 != -- ]]; do kinds+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
ctest_args=("$@")
((${#ctest_args[@]})) || ctest_args=(-L 'unit|integration')
((${#kinds[@]})) || kinds=(asan tsan)

scripts/install-deps.sh >/dev/null

failed=()
for kind in "${kinds[@]}"; do
  case $kind in
    asan) flags=address,undefined jobs=3 ;;
    tsan) flags=thread jobs=2 ;;
    *) echo "sanitize: unknown kind $kind (asan or tsan)" >&2; exit 2 ;;
  esac
  dir=build-$kind
  reports=$root/$dir/sanitizer-reports
  # -O1 and line tables only: a third of the compile time of -O2 -g, stacks still name file and line.
  # Unity builds (eight sources a compiler run): the libraries build in about a third of the time, as
  # each header and template is compiled once a batch. build/ stays one source a run, which checks that
  # every file compiles on its own; here, names private to two files of one target must differ.
  cmake -S . -B "$dir" -G Ninja -DPAVE_SANITIZE="$flags" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON >/dev/null
  cmake --build "$dir" -j2
  rm -rf "$reports" && mkdir -p "$reports"
  supp=$root/test/sanitizers
  common="halt_on_error=1:log_path=$reports/report:print_suppressions=0"
  export ASAN_OPTIONS="$common:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
  export LSAN_OPTIONS="$common:suppressions=$supp/lsan.supp"
  export UBSAN_OPTIONS="$common:print_stacktrace=1"
  export TSAN_OPTIONS="$common:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
  echo "sanitize: $kind: ctest ${ctest_args[*]}"
  status=0
  # Three tests at once under ASan, as in build/ (the tests leave a third of the CPU idle at -j2); two
  # under TSan, whose test binaries run some ten times slower and use the CPU themselves.
  (cd "$dir" && ctest --output-on-failure -j"${PAVE_TEST_JOBS:-$jobs}" "${ctest_args[@]}") || { status=$?; scripts/failures.sh "$dir"; }
  if compgen -G "$reports/report*" >/dev/null; then
    echo "sanitize: $kind: sanitizer reports:"
    for r in "$reports"/report*; do echo "== $r"; head -n 60 "$r"; done
    status=1
  fi
  ((status == 0)) || failed+=("$kind")
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
done
if ((${#failed[@]})); then
  echo "sanitize: FAILED: ${failed[*]}"
  exit 1
fi
echo "sanitize: ${kinds[*]}: clean"
