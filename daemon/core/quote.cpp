// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/quote.hpp"

#include <fmt/format.h>

namespace cityedge {

std::string Quoted(std::string_view text, QuoteStyle style) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte >= 0x20) {
          out += c;
        } else if (style == QuoteStyle::kJson) {
          out += fmt::format("\\u{:04x}", byte);
        } else if (byte == 0) {
          out += "\\0";
        } else {
          out += fmt::format("\\x{:02x}", byte);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace cityedge
