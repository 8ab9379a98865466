# 32-bit ARM, hard float (older Raspberry Pi OS images): cross/setup-multiarch.sh armhf
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake
# The target's libraries are a staged sysroot (.cache/cross/armhf), not
# multiarch packages: see cross/setup-multiarch.sh.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CITYEDGE_TRIPLET arm-linux-gnueabihf)
set(CITYEDGE_DEB_ARCH armhf)
set(CITYEDGE_QEMU qemu-arm-static)
set(CITYEDGE_CROSS_LAYOUT sysroot)
include(${CMAKE_CURRENT_LIST_DIR}/multiarch-common.cmake)
