# SPDX-License-Identifier: Apache-2.0
# 64-bit ARM (Raspberry Pi 4/5, RK3588, Jetson): cross/setup-multiarch.sh arm64
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cross/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CITYEDGE_TRIPLET aarch64-linux-gnu)
set(CITYEDGE_DEB_ARCH arm64)
set(CITYEDGE_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/multiarch-common.cmake)
