// SPDX-License-Identifier: Apache-2.0
// Parsing of replay files: one reading per line, CSV or JSONL. Pure functions,
// so malformed input is tested without a driver around it.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "cityedge/driver_abi.h"

namespace cityedge::drivers::replay {

struct Record {
  std::int64_t time_ns = 0;  // from the file: Unix time in ns
  std::string channel;
  double value = 0;
  std::string unit;
  ce_driver_quality quality = CE_DRIVER_QUALITY_GOOD;
};

// Why a line was not a record; the caller adds file:line.
using ParseResult = std::expected<Record, std::string>;

// "1714564800", "1714564800.25" (Unix seconds) or RFC 3339
// "2024-05-01T12:00:00Z", "2024-05-01T20:00:00.250+08:00".
[[nodiscard]] std::expected<std::int64_t, std::string> ParseTimestamp(std::string_view text);

// The CSV header every CSV replay file starts with (after comments):
// "timestamp,channel,value,unit" with an optional fifth column "quality".
// Returns the number of columns, or an error naming the expected header.
[[nodiscard]] std::expected<int, std::string> ParseCsvHeader(std::string_view line);

// One data line of a CSV file with `columns` columns (4 or 5).
[[nodiscard]] ParseResult ParseCsvLine(std::string_view line, int columns);

// One JSONL line: a flat JSON object with "timestamp" (number of seconds or
// RFC 3339 text), "channel", "value" (number), optional "unit" and "quality".
[[nodiscard]] ParseResult ParseJsonLine(std::string_view line);

// True for lines that carry no record: empty, blank or starting with '#'.
[[nodiscard]] bool IsSkippable(std::string_view line);

}  // namespace cityedge::drivers::replay
