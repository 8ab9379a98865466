// SPDX-License-Identifier: Apache-2.0
// Text shown between double quotes, with `"`, `\` and control characters
// escaped, so a value read from a file or the network cannot break the line or
// the document it is put in. Error messages quote what they refuse as C does;
// JSON written by hand (`cityedge doctor --json`) quotes as JSON requires.
#pragma once

#include <string>
#include <string_view>

namespace cityedge {

enum class QuoteStyle {
  kC,     // \" \\ \n \t, a NUL as \0, other control bytes as \xNN
  kJson,  // \" \\ \n \t, other control bytes as \u00NN (RFC 8259)
};

// `text` in double quotes, escaped in `style`. Bytes from 0x20 up pass
// unchanged (UTF-8 stays UTF-8).
[[nodiscard]] std::string Quoted(std::string_view text, QuoteStyle style);

}  // namespace cityedge
