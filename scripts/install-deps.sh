#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package that building, testing and running the demo need,
# and unpacks the test media (vtest.avi, face images) into a cache the build knows about.
# Idempotent: run it as often as you like. Needs root (or sudo).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
media_dir=${CITYEDGE_MEDIA_DIR:-$here/.cache/media}

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config file git
  # scripts/format.sh and the format_check test
  clang-format
  # libraries (DESIGN.md: each behind one adapter)
  libpaho-mqtt-dev libpaho-mqttpp-dev
  libsqlite3-dev sqlite3
  libprotobuf-dev protobuf-compiler
  libopencv-dev opencv-data
  libfmt-dev libspdlog-dev libyaml-cpp-dev libcli11-dev catch2
  libmodbus-dev libsystemd-dev libssl-dev openssl
  # the vision worker's seccomp filter (daemon/vision/seccomp_filter.cpp)
  libseccomp-dev
  # Prometheus metrics on health.metrics_listen: a small embeddable HTTP
  # server, so the daemon does not carry a hand-written one
  libcivetweb-dev
  # `cityedge top`'s full-screen view (daemon/cli/screen.cpp); linked into the
  # CLI only, never into cityedged
  libncurses-dev
  # real peers used by the tests and the demo; tmux is the real terminal the
  # `cityedge top` test reads back with capture-pane
  mosquitto mosquitto-clients tmux
  python3 python3-paho-mqtt python3-protobuf
  python3-pymodbus python3-serial-asyncio socat
  # fuzzing (tests/fuzz/run.sh): clang 16 with its libFuzzer runtime; clang 14
  # cannot compile libstdc++ 12's <expected> (see cmake/clang.cmake)
  clang-16 libclang-rt-16-dev
  # the test suite's ASan+UBSan build (scripts/test.sh) is clang 16 too;
  # llvm-symbolizer turns sanitizer reports into file:line
  llvm-16
  # chaos scenarios (tests/chaos): silent partitions in network namespaces
  # (nft drop rules) and wall-clock jumps (libfaketime)
  nftables faketime
  # systemd unit checks (systemd-analyze verify/security/syscall-filter; strace
  # traces the daemon against the unit's SystemCallFilter=) and .deb packaging
  # (cpack's dpkg-shlibdeps, dpkg-deb)
  systemd strace dpkg-dev
  # the .debs checked as Debian checks packages (packaging_lintian), and the
  # man pages rendered with warnings on (cli_man_pages)
  lintian man-db
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Minimal images drop /usr/share/doc, so the sample media of opencv-doc is taken
# straight from the package into a cache folder instead of relying on dpkg's install.
if [ ! -s "$media_dir/vtest.avi" ] || [ ! -s "$media_dir/messi5.jpg" ]; then
  mkdir -p "$media_dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # apt's download sandbox user cannot write into a private mktemp folder.
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -q opencv-doc >/dev/null)
  dpkg-deb -x "$tmp"/opencv-doc_*.deb "$tmp/x"
  for f in vtest.avi messi5.jpg; do
    src=$(find "$tmp/x" -name "$f" -o -name "$f.gz" | head -n 1)
    [ -n "$src" ] || { echo "install-deps: $f not found in opencv-doc" >&2; exit 1; }
    case "$src" in
      *.gz) gunzip -c "$src" >"$media_dir/$f" ;;
      *) cp "$src" "$media_dir/$f" ;;
    esac
  done
fi
echo "install-deps: ok (media in $media_dir)"
