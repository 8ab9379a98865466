#!/usr/bin/env bash
# Builds CityEdge and runs its test suite with CTest.
#   scripts/test.sh                  all tests (RelWithDebInfo, build/)
#   scripts/test.sh --sanitize ARGS  ASan+UBSan build (build-asan/); ARGS go to ctest;
#                                    with -L unit only the unit tests are built
#   scripts/test.sh -L unit          only the unit tests
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
extra=()
target=all
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build="$here/build-asan"
  extra=(-DCITYEDGE_SANITIZE=address,undefined -DCITYEDGE_BUILD_BENCH=OFF)
fi
if [ "${1:-}" = "-L" ] && [ "${2:-}" = "unit" ]; then target=cityedge_unit_tests; fi
bash "$here/scripts/install-deps.sh" >/dev/null
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "$target"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
