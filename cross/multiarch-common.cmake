# SPDX-License-Identifier: Apache-2.0
# Shared part of the ARM toolchain files. The including file sets
# CITYEDGE_TRIPLET, CITYEDGE_DEB_ARCH, CMAKE_SYSTEM_PROCESSOR and CITYEDGE_QEMU
# before including it. Programs (protoc) come from the build host.
#
# The target's libraries and everything they depend on (libc6 included) are
# unpacked into the stage root by cross/setup-multiarch.sh. It is the sysroot
# of the compiler and linker, the only root pkg-config and find_* search (so
# OpenCV's OpenCVConfig.cmake is the staged one), and the -L prefix of
# qemu-user (its dynamic loader and libraries). Nothing of the host's
# /usr/include or /usr/lib is used.
set(CMAKE_SYSTEM_NAME Linux)

set(CMAKE_C_COMPILER ${CITYEDGE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CITYEDGE_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CITYEDGE_TRIPLET})

get_filename_component(_cityedge_source_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CITYEDGE_CROSS_STAGE "${_cityedge_source_dir}/.cache/cross/${CITYEDGE_DEB_ARCH}" CACHE PATH
    "Stage root of the target's packages unpacked by cross/setup-multiarch.sh")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must read the target's .pc files only.
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_SYSROOT ${CITYEDGE_CROSS_STAGE})
set(CMAKE_FIND_ROOT_PATH ${CITYEDGE_CROSS_STAGE})
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${CITYEDGE_CROSS_STAGE})
set(ENV{PKG_CONFIG_LIBDIR}
    "${CITYEDGE_CROSS_STAGE}/usr/lib/${CITYEDGE_TRIPLET}/pkgconfig:${CITYEDGE_CROSS_STAGE}/usr/share/pkgconfig")
set(_cityedge_qemu_args -L ${CITYEDGE_CROSS_STAGE})
# dpkg-shlibdeps finds a library's package in the dpkg database, which does
# not know the stage root's: the .debs get the fixed Debian 12 Depends lists
# (cmake/packaging.cmake).
set(CITYEDGE_DEB_SHLIBDEPS OFF CACHE BOOL "Compute the .deb's library Depends with dpkg-shlibdeps")

# ctest runs the target's binaries through qemu-user, and tests hand the same
# command to the target binaries they spawn (CITYEDGE_EMULATOR, tests/).
find_program(CITYEDGE_QEMU_PATH ${CITYEDGE_QEMU})
if(CITYEDGE_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CITYEDGE_QEMU_PATH} ${_cityedge_qemu_args})
endif()
