#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds CityEdge and runs its whole test suite with CTest.
#   scripts/test.sh [ctest args]          clang 16 with ASan+UBSan (build-asan/): every
#                                         test, the daemons they start included, runs
#                                         instrumented; what CI runs
#   scripts/test.sh --plain [ctest args]  gcc, no sanitizer, RelWithDebInfo (build/)
#   scripts/test.sh [--plain] -L unit     only the unit tests (and only they are built)
# The sanitized build is -O1 -g1: reports keep file:line, the build stays quick.
# Both builds are unity builds (each target's files compiled in batches of 8):
# a clean build takes about a third less CPU. CITYEDGE_UNITY_BUILD=OFF builds
# file by file, which rebuilds less after an edit.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--plain" ]; then
  shift
  build="$here/build"
  configure=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
else
  build="$here/build-asan"
  configure=(-DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCITYEDGE_SANITIZE=address,undefined
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1"
    -DCITYEDGE_BUILD_BENCH=OFF)
fi
target=all
if [ "${1:-}" = "-L" ] && [ "${2:-}" = "unit" ]; then target=cityedge_unit_tests; fi
bash "$here/scripts/install-deps.sh" >/dev/null
cmake -S "$here" -B "$build" -G Ninja "${configure[@]}" \
  -DCMAKE_UNITY_BUILD="${CITYEDGE_UNITY_BUILD:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "$target"
cd "$build"
# A leak, an overflow or undefined behaviour fails the test that caused it;
# leaks in the daemons a test starts fail it too (they exit non-zero).
# allocator_release_to_os_interval_ms=-1: the allocator then never reads the
# clock itself, which under libfaketime (the clock tests preload it) re-entered
# the allocator through the preloaded clock_gettime.
export ASAN_OPTIONS="detect_leaks=1:allocator_release_to_os_interval_ms=-1:${ASAN_OPTIONS:-}"
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer-16}
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --output-on-failure -j"$(nproc)" "$@"
