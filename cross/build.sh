#!/usr/bin/env bash
# Cross-builds CityEdge for ARM into build-<arch>/ (cross/setup-multiarch.sh
# prepares the machine): arm64 against Debian multiarch packages, armhf
# against a staged sysroot in .cache/cross/armhf (no foreign architecture is
# added to dpkg; qemu-arm runs with -L on it).
#   cross/build.sh [arm64|armhf] [--test | --test-all] [--package] [--with-opencv]
#     --test         the unit tests (ctest -L unit) under qemu-user; what CI runs
#     --test-all     the whole ctest suite under qemu-user (long: not for CI);
#                    test binaries are run through CMAKE_CROSSCOMPILING_EMULATOR,
#                    and the ARM binaries they spawn through CITYEDGE_EMULATOR.
#                    Prints the list of failed tests; exits 1 if any failed.
#     --package      the .deb for the target (cpack -G DEB into build-<arch>/deb),
#                    checked to say the target's architecture (armhf: Depends
#                    from the fixed Debian 12 list, cmake/packaging.cmake)
#     --with-opencv  also the camera driver and vision pipelines
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-arm64}
shift || true
tests=none
package=0
opencv=OFF
setup_flags=()
for a in "$@"; do
  case "$a" in
    --test) tests=unit ;;
    --test-all) tests=all ;;
    --package) package=1 ;;
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
# CI's unit run needs only the binaries and the unit tests; packaging and the
# whole suite need everything.
targets=()
if [ "$tests" = unit ] && [ "$package" = 0 ]; then
  targets=(--target cityedged cityedge cityedge_unit_tests)
fi
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
description=$(file "$build/daemon/app/cityedged")
echo "$description"
case "$description" in
  *"$elf"*) ;;
  *) echo "cross/build.sh: cityedged is not an $elf binary" >&2; exit 1 ;;
esac
if [ "$arch" = armhf ]; then
  # Hard float: the binary must ask for the armhf loader.
  case "$description" in
    *ld-linux-armhf.so.3*) ;;
    *) echo "cross/build.sh: cityedged is not a hard-float (armhf) binary" >&2; exit 1 ;;
  esac
fi

if [ "$package" = 1 ]; then
  rm -rf "$build/deb"
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$build/deb"
  deb=$(ls "$build"/deb/cityedge_*.deb)
  dpkg-deb -I "$deb"
  got=$(dpkg-deb -f "$deb" Architecture)
  if [ "$got" != "$arch" ]; then
    echo "cross/build.sh: $deb says Architecture $got, expected $arch" >&2
    exit 1
  fi
  echo "cross/build.sh: package $deb ($got)"
fi

case "$tests" in
  unit) (cd "$build" && ctest --output-on-failure -L unit) ;;
  all)
    status=0
    (cd "$build" && ctest --output-on-failure) 2>&1 | tee "$build/test-all.log" \
      || status=$?
    echo "cross/build.sh: whole suite under qemu ($arch): log in $build/test-all.log"
    grep -E "tests passed|^\s+[0-9]+ - " "$build/test-all.log" || true
    exit $status
    ;;
esac
