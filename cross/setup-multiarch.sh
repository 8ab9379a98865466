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
      libspdlog-dev libmodbus-dev libsystemd-dev libssl-dev libcivetweb-dev libyaml-cpp0.7)
# -dev packages that are not multiarch co-installable: installing the target's
# would remove the host's. They are unpacked into a staging root instead, which
# the toolchain file adds to CMake's search roots; their runtime libraries
# (co-installable) come from apt above so qemu finds them.
staged=(libyaml-cpp-dev libyaml-cpp0.7)
stage_root="${CITYEDGE_CROSS_STAGE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/cross}/$arch"
[ "$with_opencv" = 1 ] && libs+=(libopencv-dev)

packages=("g++-$triplet" qemu-user-static binfmt-support file)
for l in "${libs[@]}"; do packages+=("$l:$arch"); done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  added_arch=0
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
    added_arch=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # A mirror mid-sync serves an index of the wrong size for one architecture;
  # the :$arch packages then cannot match their native twins' versions.
  for try in 1 2 3; do
    $SUDO apt-get update -q && break
    if [ "$try" = 3 ]; then
      # A foreign architecture whose index cannot be fetched makes every later
      # apt-get update fail (install-deps.sh included): take it back out.
      [ "$added_arch" = 1 ] && $SUDO dpkg --remove-architecture "$arch"
      echo "setup-multiarch: apt-get update failed 3 times" >&2
      exit 1
    fi
    sleep 30
  done
  # The :$arch -dev packages require the same version of their native twins
  # (multiarch "same" packages), so native ones may be upgraded alongside.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
for p in "${staged[@]}"; do
  marker="$stage_root/.staged-$p"
  [ -f "$marker" ] && continue
  mkdir -p "$stage_root"
  tmp=$(mktemp -d)
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -q "$p:$arch" >/dev/null 2>&1)
  dpkg-deb -x "$tmp"/*.deb "$stage_root"
  rm -rf "$tmp"
  touch "$marker"
done
echo "setup-multiarch: ok ($arch, $triplet, staged: ${staged[*]} in $stage_root)"
