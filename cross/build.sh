#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds CityEdge for ARM into build-<arch>/ (cross/setup-multiarch.sh
# prepares the machine) against a staged sysroot of Debian 12 packages in
# .cache/cross/<arch> (no foreign architecture is added to dpkg; qemu-user
# runs with -L on it).
#   cross/build.sh [arm64|armhf] [--test | --test-all] [--package] [--build-only]
#                  [--with-opencv | --without-opencv]
#     --build-only   build what the other options would run or package, and stop
#     --unoptimised  -O0 instead of Release's -O2, and a unity build (each
#                    target's files compiled in batches), for a test run (what CI runs:
#                    the build takes about half the time; --package refuses it)
#     --test         the unit tests (ctest -L unit) under qemu-user; what CI runs
#     --test-all     the whole ctest suite under qemu-user (long: not for CI);
#                    test binaries are run through CMAKE_CROSSCOMPILING_EMULATOR,
#                    and the ARM binaries they spawn through CITYEDGE_EMULATOR.
#                    Prints the list of failed tests; exits 1 if any failed.
#     --package      the .debs for the target (cpack -G DEB into build-<arch>/deb):
#                    cityedge, and cityedge-vision when built with OpenCV, each
#                    checked to say the target's architecture and version
#                    (Depends from the fixed Debian 12 lists, cmake/packaging.cmake)
#     --with-opencv / --without-opencv
#                    the vision worker (camera and thermal drivers, vision
#                    pipelines, OpenCV) or not. Default: with for arm64,
#                    without for armhf (cross/README.md says why)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-arm64}
shift || true
tests=none
package=0
build_only=0
build_type=Release
unity=OFF
case "$arch" in
  arm64) toolchain=aarch64-linux-gnu; elf="ARM aarch64"; opencv=ON ;;
  armhf) toolchain=arm-linux-gnueabihf; elf="ARM, EABI5"; opencv=OFF ;;
  *) echo "cross/build.sh: unknown architecture '$arch' (valid: arm64, armhf)" >&2; exit 64 ;;
esac
for a in "$@"; do
  case "$a" in
    --test) tests=unit ;;
    --test-all) tests=all ;;
    --package) package=1 ;;
    --build-only) build_only=1 ;;
    --unoptimised) build_type=None; unity=ON ;;
    --with-opencv) opencv=ON ;;
    --without-opencv) opencv=OFF ;;
    *) echo "cross/build.sh: unknown option '$a'" >&2; exit 64 ;;
  esac
done
if [ "$package" = 1 ] && [ "$build_type" != Release ]; then
  echo "cross/build.sh: --package builds Release; drop --unoptimised" >&2
  exit 64
fi
setup_flags=()
[ "$opencv" = ON ] && setup_flags+=(--with-opencv)

bash "$here/cross/setup-multiarch.sh" "$arch" "${setup_flags[@]}"
build="$here/build-$arch"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=$build_type \
  -DCMAKE_UNITY_BUILD="${CITYEDGE_UNITY_BUILD:-$unity}" \
  -DCMAKE_TOOLCHAIN_FILE="$here/cross/$toolchain.cmake" \
  -DCITYEDGE_WITH_OPENCV=$opencv -DCITYEDGE_BUILD_BENCH=OFF
# CI's unit run needs only the binaries and the unit tests; packaging and the
# whole suite need everything.
targets=()
if [ "$tests" = unit ] && [ "$package" = 0 ]; then
  targets=(--target cityedged cityedge cityedge_unit_tests)
fi
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
[ "$build_only" = 1 ] && exit 0
binaries=(cityedged)
[ "$opencv" = ON ] && binaries+=(cityedge-vision)
for binary in "${binaries[@]}"; do
  description=$(file "$build/daemon/app/$binary")
  echo "$description"
  case "$description" in
    *"$elf"*) ;;
    *) echo "cross/build.sh: $binary is not an $elf binary" >&2; exit 1 ;;
  esac
  if [ "$arch" = armhf ]; then
    # Hard float: the binary must ask for the armhf loader.
    case "$description" in
      *ld-linux-armhf.so.3*) ;;
      *) echo "cross/build.sh: $binary is not a hard-float (armhf) binary" >&2; exit 1 ;;
    esac
  fi
done

if [ "$package" = 1 ]; then
  rm -rf "$build/deb"
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$build/deb"
  version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
  names=(cityedge)
  [ "$opencv" = ON ] && names+=(cityedge-vision)
  for name in "${names[@]}"; do
    deb="$build/deb/${name}_${version}_${arch}.deb"
    if [ ! -f "$deb" ]; then
      echo "cross/build.sh: cpack made no $deb:" >&2
      ls "$build/deb" >&2
      exit 1
    fi
    dpkg-deb -I "$deb"
    got=$(dpkg-deb -f "$deb" Architecture)
    if [ "$got" != "$arch" ]; then
      echo "cross/build.sh: $deb says Architecture $got, expected $arch" >&2
      exit 1
    fi
    echo "cross/build.sh: package $deb ($got)"
  done
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
