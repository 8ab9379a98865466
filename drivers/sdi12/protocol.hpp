// SPDX-License-Identifier: Apache-2.0
// SDI-12 version 1.4 framing, without I/O: commands as the data recorder
// sends them, and strict parsers for what sensors answer.
//
// A command is the sensor's address, a command body and '!' ("0M!", "3D0!").
// A response is the address, a body and <CR><LF>. Responses to data commands
// (aD0! ... aD9!) that follow a CRC measurement (aMC!, aCC!) carry the
// SDI-12 CRC-16 of everything from the address to the last value, encoded in
// three printable characters just before <CR><LF>.
//
// Values in a data response are sign-delimited: each starts with '+' or '-',
// has 1 to 7 digits and at most one decimal point ("+1.23-0.5+12").
//
// Everything here is pure and total: any byte string gets a value or an
// error, never a crash (tests/fuzz/sdi12_response_fuzz.cpp checks this).
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace cityedge::drivers::sdi12 {

// Why a response was not accepted.
enum class Fault {
  kNoAnswer,    // nothing, or not a complete line, within the response time
  kBadCrc,      // a line whose CRC does not match its text
  kGarbage,     // a line that is not a response to the command (malformed, other address)
  kWrongCount,  // a measurement delivered more or fewer values than it announced
};
[[nodiscard]] std::string_view FaultName(Fault fault);

struct ParseError {
  Fault fault = Fault::kGarbage;
  std::string message;
};
template <typename T>
using Parsed = std::expected<T, ParseError>;

// Addresses are '0'..'9', 'A'..'Z' and 'a'..'z'.
[[nodiscard]] bool IsValidAddress(char address);

// A measurement command: aM!, aMC!, aM1! ... aM9!, aMC1! ... and the
// concurrent aC!, aCC!, aC1! ...
struct MeasureCommand {
  bool concurrent = false;  // C rather than M
  bool crc = false;         // the data responses carry a CRC
  int index = 0;            // 0: aM!, 1..9: aM1! ... aM9!
  bool operator==(const MeasureCommand&) const = default;
};
// Parses the command part as a setting gives it: "M", "MC", "M2", "MC2", "C",
// "CC", "C2", "CC2".
[[nodiscard]] Parsed<MeasureCommand> ParseMeasureCommand(std::string_view text);
[[nodiscard]] std::string CommandBody(const MeasureCommand& command);  // "MC2"

[[nodiscard]] std::string IdentifyCommand(char address);  // "aI!"
[[nodiscard]] std::string MeasureCommandText(char address, const MeasureCommand& command);
[[nodiscard]] std::string DataCommand(char address, int index);  // "aD0!" .. "aD9!"

// SDI-12 CRC-16: polynomial 0xA001 (reflected 0x8005), initial value 0, over
// every character of the response from the address to the last value.
[[nodiscard]] std::uint16_t Crc16(std::string_view text);
// The three characters: 0x40 | crc>>12, 0x40 | (crc>>6 & 0x3F), 0x40 | (crc & 0x3F).
[[nodiscard]] std::array<char, 3> EncodeCrc(std::uint16_t crc);
// `text` followed by its encoded CRC (no <CR><LF>); for sensors and tests.
[[nodiscard]] std::string WithCrc(std::string_view text);

// Checks a response line (without <CR><LF>) to a command sent to `address`:
// the first character is that address, and with `crc` the last three are the
// CRC of the rest. Returns the body between the address and the CRC.
[[nodiscard]] Parsed<std::string_view> CheckResponse(std::string_view line, char address, bool crc);

// The body of the answer to aI!: "ll" SDI-12 version (e.g. "14" for 1.4),
// 8 characters vendor, 6 model, 3 sensor version, up to 13 optional (serial
// number and the like). Vendor and model keep their text without padding.
struct Identification {
  std::string sdi12_version;  // "1.4"
  std::string vendor;
  std::string model;
  std::string version;
  std::string optional;
  [[nodiscard]] std::string Describe() const;  // "VENDOR MODEL v1.0 (SDI-12 1.4)"
};
[[nodiscard]] Parsed<Identification> ParseIdentification(std::string_view body);

// The body of the answer to a measurement command: "tttn" for aM!/aMC!
// (up to 9 values), "tttnn" for aC!/aCC! (up to 99): seconds until the data
// are ready, and how many values there will be.
struct Announcement {
  int seconds = 0;
  int count = 0;
  bool operator==(const Announcement&) const = default;
};
[[nodiscard]] Parsed<Announcement> ParseAnnouncement(std::string_view body, bool concurrent);

// The values of one data response body (what follows the address, CRC
// removed). An empty body is valid and holds no values (data not ready).
[[nodiscard]] Parsed<std::vector<double>> ParseValues(std::string_view body);

// Formats values the way a sensor sends them ("+1.5-0.25"); for simulators
// and tests. Each value keeps at most 7 digits.
[[nodiscard]] std::string FormatValues(const std::vector<double>& values, int decimals);

}  // namespace cityedge::drivers::sdi12
