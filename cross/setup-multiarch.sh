#!/usr/bin/env bash
# Prepares this Debian 12 machine to cross-build CityEdge for ARM with Debian
# multiarch: the target's -dev packages install beside the native ones, the
# cross compiler comes from Debian, qemu-user runs the target's test binaries.
#
#   cross/setup-multiarch.sh [arm64|armhf] [--with-opencv]
# Idempotent; needs root.
set -euo pipefail

arch=${1:-arm64}
with_opencv=0
[ "${2:-}" = "--with-opencv" ] && with_opencv=1
case "$arch" in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "setup-multiarch: unknown architecture '$arch' (valid: arm64, armhf)" >&2; exit 64 ;;
esac

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

libs=(libprotobuf-dev libpaho-mqtt-dev libpaho-mqttpp-dev libsqlite3-dev libfmt-dev
      libspdlog-dev libyaml-cpp-dev libmodbus-dev libsystemd-dev libssl-dev)
[ "$with_opencv" = 1 ] && libs+=(libopencv-dev)

packages=("g++-$triplet" qemu-user-static binfmt-support file)
for l in "${libs[@]}"; do packages+=("$l:$arch"); done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # The :$arch -dev packages require the same version of their native twins
  # (multiarch "same" packages), so native ones may be upgraded alongside.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "setup-multiarch: ok ($arch, $triplet)"
