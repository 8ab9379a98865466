#!/usr/bin/env bash
# Cross-builds CityEdge for ARM and, with --test, runs the unit tests under qemu-user.
#   cross/build.sh [arm64|armhf] [--test] [--with-opencv]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-arm64}
shift || true
run_tests=0
opencv=OFF
setup_flags=()
for a in "$@"; do
  case "$a" in
    --test) run_tests=1 ;;
    --with-opencv) opencv=ON; setup_flags+=(--with-opencv) ;;
    *) echo "cross/build.sh: unknown option '$a'" >&2; exit 64 ;;
  esac
done
case "$arch" in
  arm64) toolchain=aarch64-linux-gnu; elf="ARM aarch64" ;;
  armhf) toolchain=arm-linux-gnueabihf; elf="ARM, EABI5" ;;
  *) echo "cross/build.sh: unknown architecture '$arch' (valid: arm64, armhf)" >&2; exit 64 ;;
esac

bash "$here/cross/setup-multiarch.sh" "$arch" "${setup_flags[@]}"
build="$here/build-$arch"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$here/cross/$toolchain.cmake" \
  -DCITYEDGE_WITH_OPENCV=$opencv -DCITYEDGE_BUILD_BENCH=OFF
cmake --build "$build" -j"$(nproc)"
description=$(file "$build/daemon/app/cityedged")
echo "$description"
case "$description" in
  *"$elf"*) ;;
  *) echo "cross/build.sh: cityedged is not an $elf binary" >&2; exit 1 ;;
esac
if [ "$run_tests" = 1 ]; then
  (cd "$build" && ctest --output-on-failure -L unit)
fi
