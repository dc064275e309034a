#!/usr/bin/env bash
# Prints the failed assertions of the last ctest run in a build directory: each GoogleTest "Failure" with
# the lines that explain it, and the "[  FAILED  ]" lines. test.sh and sanitize.sh call it after a failed
# run, so the end of CI's output names what failed even when the middle of a long log is cut.
# It always exits 0: it only reports, and its callers run under `set -e` with more to print after it.
#   scripts/failures.sh BUILD_DIR
set -u
log=${1:?build directory}/Testing/Temporary/LastTest.log
[[ -f $log ]] || { echo "failures: no $log"; exit 0; }
echo "failures: the failed assertions of $log:"
awk '
  /^[0-9]+\/[0-9]+ Testing: / { test = $3 }
  /: Failure$/ { left = 12; print "== " test }
  left > 0 { print "   " $0; left--; next }
  /\[  FAILED  \]/ { print "== " test ": " $0 }
' "$log" | head -n 200
exit 0
