// SPDX-License-Identifier: Apache-2.0
// Strict parsers for the scalar values of the config file and of plugin
// settings. Each accepts exactly one spelling of a value and returns an error
// (kInvalidArgument) otherwise; nothing is silently truncated, rounded or read
// as 0. Messages read after a key path, e.g.
//   journal.max_bytes: expected a size like "512MiB", got "lots"
//
// Spellings:
//   integer   -?(0|[1-9][0-9]*)            no "+", no leading zeros (YAML 1.1
//                                          reads "010" as octal), no hex, no "_"
//   number    an integer, optionally ".digits" and an exponent; finite only
//   bool      true | false                 (not yes/no/on/off)
//   size      <number><unit> or a plain byte count, no space in between;
//             units B, kB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB
//             (powers of 1024); a fraction must give whole bytes ("1.5KiB")
//   duration  <number><unit>, unit required: ms, s, m, h, d; a fraction must
//             give whole milliseconds ("1.5s"); "0s" rather than "0"
//   topic     MQTT topic levels: no wildcards (# +), no empty level, no
//             leading or trailing "/", no NUL, not starting with "$"
//   ident     [a-z0-9][a-z0-9_-]{0,63}
//   uri       scheme://host:port[/path], scheme tcp ssl mqtt mqtts ws wss,
//             port 1..65535, no user:password@ (credentials have their own keys)
//
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge::config {

// What a value of each kind looks like, for "expected ..., got ..." messages.
inline constexpr std::string_view kIntegerPhrase = "an integer";
inline constexpr std::string_view kNumberPhrase = "a number";
inline constexpr std::string_view kBoolPhrase = "true or false";
inline constexpr std::string_view kSizePhrase = "a size like \"512MiB\"";
inline constexpr std::string_view kDurationPhrase = "a duration like \"30s\"";
inline constexpr std::string_view kTopicPhrase = "an MQTT topic like \"cityedge/site-1\"";
inline constexpr std::string_view kIdentPhrase =
    "an id of lowercase letters, digits, \"_\" and \"-\" (at most 64, e.g. \"cam-1\")";
inline constexpr std::string_view kUriPhrase = "a broker URI like \"tcp://host:1883\"";

[[nodiscard]] Result<std::int64_t> ParseInteger(std::string_view text);
[[nodiscard]] Result<std::uint64_t> ParseUnsigned(std::string_view text);
[[nodiscard]] Result<double> ParseNumber(std::string_view text);
[[nodiscard]] Result<bool> ParseBool(std::string_view text);
[[nodiscard]] Result<std::uint64_t> ParseSize(std::string_view text);      // bytes
[[nodiscard]] Result<std::uint64_t> ParseDuration(std::string_view text);  // milliseconds
[[nodiscard]] Status CheckTopic(std::string_view text);
[[nodiscard]] Status CheckIdent(std::string_view text);
[[nodiscard]] Status CheckUri(std::string_view text);

// Shortest exact spelling: 1048576 -> "1MiB", 1000000 -> "1MB", 1500 -> "1500B".
[[nodiscard]] std::string FormatSize(std::uint64_t bytes);
// Largest exact unit: 30000 -> "30s", 90000 -> "90s", 250 -> "250ms".
[[nodiscard]] std::string FormatDuration(std::uint64_t ms);
// Text in double quotes, escaped for a message as C does (Quoted, QuoteStyle::kC).
[[nodiscard]] std::string Quote(std::string_view text);

}  // namespace cityedge::config
