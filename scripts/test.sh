#!/usr/bin/env bash
# Installs what Pave needs, builds everything (the control plane from Go modules on first use, then the
# C++ tree) and runs every test, then each fuzz target for 10 s (scripts/fuzz.sh; PAVE_FUZZ_SECONDS=0
# skips it). Extra arguments go to ctest, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build -j2
# Three tests at once on 2 cores: the tests wait on servers for about a third of their time
# (bench/README.md, "CI time"); PAVE_TEST_JOBS sets another number.
(cd build && ctest --output-on-failure -j"${PAVE_TEST_JOBS:-3}" "$@") || { scripts/failures.sh build; exit 1; }
if [[ ${PAVE_FUZZ_SECONDS:-10} != 0 ]]; then
  scripts/fuzz.sh "${PAVE_FUZZ_SECONDS:-10}"
fi
