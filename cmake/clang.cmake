# SPDX-License-Identifier: Apache-2.0
# Building with clang (the sanitizer test build, scripts/test.sh, and the
# fuzzing build, tests/fuzz/run.sh): Debian 12's clang 16 against libstdc++ 12.
#
# Why clang 16 and not clang 14: libstdc++ 12's <expected> (Status and Result
# are built on it) is compiled only when __cpp_concepts >= 202002L, and it
# needs conditionally trivial special members (P0848). clang 14 defines
# __cpp_concepts as 201907L and lacks P0848 (forcing the macro gives "attempt
# to use a deleted function" in std::expected). clang 16, also a Debian 12
# package, implements P0848 but still reports 201907L because other parts of
# C++20 concepts are incomplete there, so the macro is raised here.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  return()
endif()
if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  message(FATAL_ERROR "clang ${CMAKE_CXX_COMPILER_VERSION} cannot compile std::expected of "
    "libstdc++ 12: use clang 16 (Debian 12: clang-16; CC=clang-16 CXX=clang++-16) or gcc")
endif()
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-U__cpp_concepts>
  $<$<COMPILE_LANGUAGE:CXX>:-D__cpp_concepts=202002L>)
