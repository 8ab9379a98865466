#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (clang 16, ASan+UBSan) and runs each for a while.
#   tests/fuzz/run.sh [--seconds N] [--jobs J] [--build-dir DIR] [--build-only] [target ...]
# Targets are the folders of tests/fuzz/corpus/ (all by default). Each runs for
# N seconds (default 60), J at a time (default 2), on a copy of its seed corpus
# in DIR/corpus/<target> (so the repository's seeds stay as they are). Prints
# per target the executions and crashes; a crashing input is kept in
# DIR/artifacts/<target>/. Exits non-zero on any crash or build failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=60
jobs=2
build="$root/build-fuzz"
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi
for t in "${targets[@]}"; do
  [ -d "$here/corpus/$t" ] || { echo "run.sh: no corpus folder tests/fuzz/corpus/$t" >&2; exit 2; }
done

# See cmake/clang.cmake for why this is clang 16 rather than clang 14.
mkdir -p "$build"
CC=clang-16 CXX=clang++-16 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCITYEDGE_FUZZ=ON -DCITYEDGE_WITH_OPENCV=OFF \
  -DCITYEDGE_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD="${CITYEDGE_UNITY_BUILD:-ON}" \
  >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
[ "$build_only" = 1 ] && exit 0

run_one() {
  local t=$1 work="$build/corpus/$1" artifacts="$build/artifacts/$1/"
  mkdir -p "$work" "$artifacts"
  rm -f "$artifacts"crash-* "$artifacts"leak-* "$artifacts"timeout-* "$artifacts"oom-*
  local rc=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$work" "$here/corpus/$t" >"$build/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build/$t.rc"
}

pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

failed=0
printf '\n%-20s %12s %10s %8s %8s\n' target executions exec/s corpus crashes
for t in "${targets[@]}"; do
  log="$build/$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(find "$build/corpus/$t" -type f | wc -l)
  crashes=$(find "$build/artifacts/$t" -type f | wc -l)
  rc=$(cat "$build/$t.rc")
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  printf '%-20s %12s %10s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "--- $t (exit $rc): last lines of $log" >&2
    tail -n 40 "$log" >&2
  fi
done
if [ "$failed" -ne 0 ]; then echo "fuzz: crashes found" >&2; exit 1; fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, 0 crashes"
