#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares this Debian 12 machine to cross-build CityEdge for ARM. The cross
# compiler comes from Debian and qemu-user runs the target's test binaries
# (both host packages, from the system's apt). The target's libraries are a
# staged sysroot, for arm64 and armhf alike: the system's dpkg and apt are
# left alone (no foreign architecture is added). A private apt configuration
# in .cache/cross/<arch>-apt/ (its own sources, lists and an empty dpkg
# status) reads bookworm and bookworm-updates for the target, resolves the
# libraries' dependency closure (libc6 included, so qemu has the loader) and
# the .debs are unpacked into the stage root .cache/cross/<arch>, which the
# toolchain file makes the sysroot of the compiler, pkg-config, CMake's find_*
# and qemu (-L). bookworm-security is not read: a mirror has kept serving a
# broken armhf index for it, and nothing has to match the host's versions
# here. Needs no root once the host packages are installed.
#
# Why not multiarch for arm64: libopencv-dev:arm64 is not co-installable with
# the host's libopencv-dev (installing it removes the amd64 OpenCV -dev
# packages), and OpenCV's runtime closure (FFmpeg, GStreamer, GDAL, ...) would
# land in the system beside it. One layout for both targets keeps the
# compiler, the linker and qemu reading one root.
#
# --with-opencv stages what linking and running the OpenCV modules the project
# uses needs (core imgproc imgcodecs videoio video objdetect), not all of
# libopencv-dev: those modules' runtime libraries with their dependency
# closure, and without dependencies their -dev packages (headers, .so links),
# libopencv-dev (OpenCVConfig.cmake) and the other modules' runtime libraries,
# whose files OpenCVConfig.cmake checks exist but which nothing links.
#
#   cross/setup-multiarch.sh [arm64|armhf] [--with-opencv]
# Idempotent: a package version already unpacked (a marker per package
# version in <stage root>/.staged/) is not fetched again. The private apt
# lists are fetched when missing or when resolving or downloading fails;
# delete .cache/cross/<arch>-apt/lists to pick up newer package versions.
# Environment: CITYEDGE_CROSS_STAGE (parent of the stage roots, default
# .cache/cross), CITYEDGE_DEBIAN_MIRROR (the mirror; default the one the
# system's apt uses for bookworm).
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
export DEBIAN_FRONTEND=noninteractive

# libseccomp-dev: the vision worker's seccomp filter (daemon/vision).
# libncurses-dev: `cityedge top`'s full-screen view (the CLI only).
libs=(libprotobuf-dev libpaho-mqtt-dev libpaho-mqttpp-dev libsqlite3-dev libfmt-dev
      libspdlog-dev libmodbus-dev libsystemd-dev libssl-dev libcivetweb-dev libyaml-cpp0.7
      libseccomp-dev libncurses-dev)
# The OpenCV modules CMakeLists.txt asks for (find_package(OpenCV ... COMPONENTS)).
opencv_modules=(core imgproc imgcodecs videoio video objdetect)
# Packages in OpenCV's closure that neither the linker nor the tests read: no
# library of the closure names them in DT_NEEDED (Mesa's GL drivers and the
# compiler they load are dlopened by libglvnd when a program draws with GL;
# the rest is data). 250 MB unpacked.
not_needed=(libgl1-mesa-dri libglx-mesa0 libllvm15 libz3-4 proj-data iso-codes shared-mime-info)
# Every module whose library OpenCVConfig.cmake names (libopencv-dev's Depends).
opencv_all_modules=(calib3d contrib core dnn features2d flann highgui imgcodecs imgproc ml
                    objdetect photo shape stitching superres video videoio videostab viz)
stage_parent="${CITYEDGE_CROSS_STAGE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/cross}"
stage_root="$stage_parent/$arch"
# Options of every apt-get/apt-cache call that reads the target's packages:
# the private configuration (private_apt).
apt_opts=()

# apt_update APT-GET-COMMAND...: a mirror mid-sync serves an index of the
# wrong size for one architecture now and then; try three times.
apt_update() {
  local try
  for try in 1 2 3; do
    "$@" update -q && return 0
    [ "$try" = 3 ] || sleep 30
  done
  echo "setup-multiarch: apt-get update failed 3 times" >&2
  return 1
}

# install_missing PACKAGE...: installs the host packages not installed yet
# from the system's apt.
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update $SUDO apt-get || exit 1
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# fetch PACKAGE=VERSION...: downloads into $debs each package version not
# unpacked into the stage root yet (a marker per package version), with
# "${apt_opts[@]}". Returns 1 if a download fails.
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
# As root, apt downloads as its sandbox user, which must own the folder.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$debs"; fi
fetch() {
  local want=() spec
  for spec in "$@"; do
    [ -f "$stage_root/.staged/$spec" ] || want+=("${spec%%=*}:$arch=${spec#*=}")
  done
  [ ${#want[@]} -eq 0 ] && return 0
  (cd "$debs" && apt-get "${apt_opts[@]}" download -q "${want[@]}" >/dev/null)
}

# unpack: unpacks the packages fetch downloaded into the stage root, marks
# them staged, and makes absolute symbolic links relative so that they stay
# inside the stage root (libc6's /lib/ld-linux-armhf.so.3, for one).
unpack() {
  local deb pkg link n=0
  mkdir -p "$stage_root/.staged"
  for deb in "$debs"/*.deb; do
    [ -e "$deb" ] || continue
    dpkg-deb -x "$deb" "$stage_root"
    pkg=$(dpkg-deb -f "$deb" Package)
    rm -f "$stage_root/.staged/$pkg="*
    touch "$stage_root/.staged/$pkg=$(dpkg-deb -f "$deb" Version)"
    rm "$deb"
    n=$((n + 1))
  done
  [ "$n" = 0 ] && return 0
  find "$stage_root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    ln -sfn "$(realpath -s -m --relative-to="$(dirname "$link")" "$stage_root$(readlink "$link")")" "$link"
  done
  echo "setup-multiarch: unpacked $n package(s) into $stage_root"
}

# candidates PACKAGE...: sets specs to PACKAGE=VERSION of the version apt
# would install.
candidates() {
  local p
  specs=()
  for p in "$@"; do
    specs+=("$p=$(apt-cache "${apt_opts[@]}" policy "$p:$arch" | awk '$1 == "Candidate:" { print $2 }')")
  done
}

# closure PACKAGE...: sets specs to PACKAGE=VERSION of each package that
# installing PACKAGE... into an empty system needs (the private apt's status
# is empty), but those in not_needed. Returns 1 if apt cannot resolve them.
closure() {
  local plan
  plan=$(apt-get "${apt_opts[@]}" install -s -q --no-install-recommends "$@") || return 1
  mapfile -t specs < <(awk -v skip=" ${not_needed[*]} " \
    '$1 == "Inst" && index(skip, " " $2 " ") == 0 { print $2 "=" substr($3, 2) }' <<< "$plan")
  [ ${#specs[@]} -gt 0 ]
}

# Private apt for the staged sysroot: its own sources, lists, caches and an
# empty dpkg status, so the system's apt state is neither read nor written.
private_apt() {
  local dir="$stage_parent/$arch-apt" mirror
  mirror=${CITYEDGE_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    # shellcheck disable=SC2016 # $(REPO_URI) is apt's field syntax
    mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Codename: bookworm' \
      'Identifier: Packages' 2>/dev/null | sort -u | head -n 1) || true
  fi
  mirror=${mirror:-http://deb.debian.org/debian/}
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d" \
    "$dir/preferences.d"
  : >> "$dir/status"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" bookworm \
    "$keyring" "$mirror" bookworm-updates > "$dir/sources.list"
  cat > "$dir/apt.conf" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/sources.list.d";
Dir::Etc::Preferences "$dir/preferences";
Dir::Etc::PreferencesParts "$dir/preferences.d";
EOF
  apt_opts=(-c "$dir/apt.conf")
  [ -n "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -print -quit)" ] ||
    apt_update apt-get "${apt_opts[@]}"
}

# stage PACKAGE...: the dependency closure of PACKAGE..., fetched and
# unpacked; with --no-deps, PACKAGE... alone.
stage() {
  local resolve=closure
  if [ "$1" = --no-deps ]; then
    resolve=candidates
    shift
  fi
  if ! $resolve "$@" 2>/dev/null || ! fetch "${specs[@]}"; then
    # Lists out of date (a package version left the mirror) or without a
    # package: fetch them and resolve again.
    apt_update apt-get "${apt_opts[@]}" || exit 1
    $resolve "$@" || exit 1
    fetch "${specs[@]}" || exit 1
  fi
  unpack
}

# alternatives: the links update-alternatives makes in a postinst, which
# dpkg-deb -x does not run. BLAS and LAPACK (libopencv_core names
# libblas.so.3 and liblapack.so.3) live in blas/ and lapack/ subfolders.
alternatives() {
  local lib link
  for lib in "$stage_root/usr/lib/$triplet"/{blas,lapack}/lib*.so.3; do
    [ -e "$lib" ] || continue
    link="$stage_root/usr/lib/$triplet/$(basename "$lib")"
    [ -e "$link" ] || ln -sfn "$(basename "$(dirname "$lib")")/$(basename "$lib")" "$link"
  done
}

install_missing "g++-$triplet" qemu-user-static binfmt-support file
private_apt
# Header-only build dependencies come from the stage too: the host's /usr is
# not searched.
wanted=(libc6 "${libs[@]}" libyaml-cpp-dev libcli11-dev catch2)
if [ "$with_opencv" = 1 ]; then
  for m in "${opencv_modules[@]}"; do wanted+=("libopencv-${m}406"); done
fi
stage "${wanted[@]}"
if [ "$with_opencv" = 1 ]; then
  others=()
  for m in "${opencv_all_modules[@]}"; do
    [ -n "$(find "$stage_root/.staged" -name "libopencv-${m}406=*" -print -quit)" ] ||
      others+=("libopencv-${m}406")
  done
  dev=()
  for m in "${opencv_modules[@]}"; do dev+=("libopencv-${m}-dev"); done
  stage --no-deps libopencv-dev "${dev[@]}" "${others[@]}"
fi
alternatives
echo "setup-multiarch: ok ($arch, $triplet, stage root $stage_root)"
