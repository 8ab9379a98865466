// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "daemon/core/status.hpp"

namespace cityedge {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return MakeError(Code::kInvalidArgument, "{} is odd", v);
  return v / 2;
}

TEST_CASE("Result carries a value or an error with code and message") {
  REQUIRE(Half(4).value() == 2);
  const auto odd = Half(3);
  REQUIRE_FALSE(odd.has_value());
  CHECK(odd.error().code() == Code::kInvalidArgument);
  CHECK(odd.error().ToString() == "invalid argument: 3 is odd");
  CHECK(odd.error().Wrap("halving").message() == "halving: 3 is odd");
}

TEST_CASE("Every code has a readable name") {
  for (int c = 0; c <= static_cast<int>(Code::kUnimplemented); ++c) {
    CHECK(CodeName(static_cast<Code>(c)) != "unknown");
  }
}

}  // namespace
}  // namespace cityedge
