#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer run of the unit tests of the threaded parts: the journal
# (writer thread, group commit, readers), the uplink (publisher, acks,
# reconnect), the driver host (one thread per instance, supervision and
# restart), the control plane (socket threads, tail, authorizer) and the field
# drivers (calibration reads from a control thread). gcc's -fsanitize=thread
# at -O1 with line tables only (-g1: reports keep file:line, the build is much
# faster), in its own build dir (build-tsan/). The tests are those declared
# with the ctest label "tsan" (cityedge_add_test(... LABELS ... tsan)); the
# target cityedge_tsan_tests builds exactly them. Unlike the other sanitizer
# builds this one compiles file by file (CMAKE_UNITY_BUILD OFF): it is CI's
# check that every file of the core's libraries includes what it uses, which
# a unity batch can hide.
#   scripts/tsan.sh [ctest args]
#   scripts/tsan.sh --build-only     build the tests, run nothing
# halt_on_error makes the first race fail its test; the report is in the
# test's output.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-tsan"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCITYEDGE_SANITIZE=thread -DCITYEDGE_WITH_OPENCV=OFF -DCITYEDGE_BUILD_BENCH=OFF \
  -DCMAKE_UNITY_BUILD="${CITYEDGE_UNITY_BUILD:-OFF}" >/dev/null
build_only=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi
cmake --build "$build" -j"$(nproc)" --target cityedge_tsan_tests
[ "$build_only" = 1 ] && exit 0
cd "$build"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  ctest --output-on-failure --no-tests=error -j"$(nproc)" -L '^tsan$' "$@"
