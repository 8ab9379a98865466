// SPDX-License-Identifier: Apache-2.0
// The translation unit that builds Catch's precompiled header with the tests'
// flags (tests/CMakeLists.txt); every test reuses that header.
#include <catch2/catch.hpp>
