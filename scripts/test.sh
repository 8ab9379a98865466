#!/usr/bin/env bash
# Builds CityEdge and runs its test suite with CTest.
#   scripts/test.sh                  all tests (RelWithDebInfo, build/)
#   scripts/test.sh --sanitize ARGS  ASan+UBSan build (build-asan/); ARGS go to ctest
#   scripts/test.sh -L unit          only the unit tests
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build="$here/build-asan"
  extra=(-DCITYEDGE_SANITIZE=address,undefined -DCITYEDGE_BUILD_BENCH=OFF)
fi
bash "$here/scripts/install-deps.sh" >/dev/null
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
