# SPDX-License-Identifier: Apache-2.0
# Compiler flags of a fuzzing build (-DCITYEDGE_FUZZ=ON; tests/fuzz/run.sh
# configures it). Included from the top-level CMakeLists.txt so that every
# library the fuzz targets link carries coverage and sanitizer instrumentation.
# libFuzzer needs clang (cmake/clang.cmake says which one and why).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CITYEDGE_FUZZ needs clang 16 (Debian 12: clang-16, libclang-rt-16-dev); "
    "configure with CC=clang-16 CXX=clang++-16 or use tests/fuzz/run.sh")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
