# SPDX-License-Identifier: Apache-2.0
# 32-bit ARM, hard float (older Raspberry Pi OS images): cross/setup-multiarch.sh armhf
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CITYEDGE_TRIPLET arm-linux-gnueabihf)
set(CITYEDGE_DEB_ARCH armhf)
set(CITYEDGE_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/multiarch-common.cmake)
