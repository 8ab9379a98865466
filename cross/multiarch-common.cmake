# Shared part of the Debian multiarch toolchain files. The including file sets
# CITYEDGE_TRIPLET, CITYEDGE_DEB_ARCH, CMAKE_SYSTEM_PROCESSOR and CITYEDGE_QEMU before
# including it.
#
# Debian multiarch puts the target's libraries beside the host's, under
# /usr/lib/<triplet>, so the "sysroot" is / and the library architecture picks
# the right folder. Programs (protoc) come from the build host.
set(CMAKE_SYSTEM_NAME Linux)

set(CMAKE_C_COMPILER ${CITYEDGE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CITYEDGE_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CITYEDGE_TRIPLET})

set(CITYEDGE_CROSS_SYSROOT "/" CACHE PATH "Root holding the target's multiarch libraries")
# -dev packages that cannot be co-installed are unpacked here by setup-multiarch.sh.
set(CITYEDGE_CROSS_STAGE "${CMAKE_CURRENT_LIST_DIR}/../.cache/cross/${CITYEDGE_DEB_ARCH}" CACHE PATH
    "Staging root of the target's non-co-installable -dev packages")
set(CMAKE_FIND_ROOT_PATH ${CITYEDGE_CROSS_STAGE} ${CITYEDGE_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${CITYEDGE_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs the target's binaries through qemu-user; the target's dynamic
# loader and libraries are installed by multiarch, so no -L prefix is needed.
find_program(CITYEDGE_QEMU_PATH ${CITYEDGE_QEMU})
if(CITYEDGE_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CITYEDGE_QEMU_PATH})
endif()
