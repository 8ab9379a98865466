// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/quote.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace cityedge {
namespace {

TEST_CASE("Quoted escapes quotes, backslashes and control characters in either style") {
  using namespace std::string_literals;
  const std::string text = "a \"b\"\\c\nd\te\x01\x1f"s + '\0' + "f é";
  CHECK(Quoted(text, QuoteStyle::kC) == R"("a \"b\"\\c\nd\te\x01\x1f\0f é")");
  CHECK(Quoted(text, QuoteStyle::kJson) == R"("a \"b\"\\c\nd\te\u0001\u001f\u0000f é")");
  CHECK(Quoted("", QuoteStyle::kJson) == R"("")");
}

}  // namespace
}  // namespace cityedge
