# Compiler flags of a fuzzing build (-DCITYEDGE_FUZZ=ON; tests/fuzz/run.sh
# configures it). Included from the top-level CMakeLists.txt so that every
# library the fuzz targets link carries coverage and sanitizer instrumentation.
#
# Why clang 16 and not clang 14: libstdc++ 12's <expected> (Status and Result
# are built on it) is compiled only when __cpp_concepts >= 202002L, and it
# needs conditionally trivial special members (P0848). clang 14 defines
# __cpp_concepts as 201907L and lacks P0848 (forcing the macro gives "attempt
# to use a deleted function" in std::expected). clang 16, also a Debian 12
# package, implements P0848 but still reports 201907L because other parts of
# C++20 concepts are incomplete there, so the macro is raised for this build.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  message(FATAL_ERROR "CITYEDGE_FUZZ needs clang 16 or newer (Debian 12: clang-16, "
    "libclang-rt-16-dev); configure with CC=clang-16 CXX=clang++-16 or use tests/fuzz/run.sh")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=all)
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-U__cpp_concepts>
  $<$<COMPILE_LANGUAGE:CXX>:-D__cpp_concepts=202002L>)
add_link_options(-fsanitize=address,undefined)
