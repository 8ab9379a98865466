// SPDX-License-Identifier: Apache-2.0
#include "protocol.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace cityedge::drivers::sdi12 {
namespace {

std::unexpected<ParseError> Error(Fault fault, std::string message) {
  return std::unexpected(ParseError{fault, std::move(message)});
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Response text in messages: printable ASCII as is, anything else as \xNN,
// and long lines cut, so a noisy line cannot flood a log or a health reason.
std::string Printable(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

int Digits(std::string_view text) {
  int value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  return value;
}

bool AllDigits(std::string_view text) {
  for (const char c : text) {
    if (!IsDigit(c)) return false;
  }
  return !text.empty();
}

// Vendor and model are space-padded to their width.
std::string Trimmed(std::string_view text) {
  const auto end = text.find_last_not_of(' ');
  return std::string(end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1));
}

}  // namespace

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNoAnswer:
      return "no answer";
    case Fault::kBadCrc:
      return "bad CRC";
    case Fault::kGarbage:
      return "garbled answer";
    case Fault::kWrongCount:
      return "wrong count of values";
  }
  return "?";
}

bool IsValidAddress(char address) {
  return IsDigit(address) || (address >= 'A' && address <= 'Z') ||
         (address >= 'a' && address <= 'z');
}

Parsed<MeasureCommand> ParseMeasureCommand(std::string_view text) {
  MeasureCommand command;
  std::string_view rest = text;
  if (!rest.empty() && (rest.front() == 'M' || rest.front() == 'C')) {
    command.concurrent = rest.front() == 'C';
    rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == 'C') {
      command.crc = true;
      rest.remove_prefix(1);
    }
    if (rest.size() == 1 && rest.front() >= '1' && rest.front() <= '9') {
      command.index = rest.front() - '0';
      rest.remove_prefix(1);
    }
    if (rest.empty()) return command;
  }
  return Error(Fault::kGarbage,
               fmt::format("\"{}\" is not a measurement command; use M, MC, C or CC, optionally "
                           "followed by 1..9 (M2, CC3)",
                           Printable(text)));
}

std::string CommandBody(const MeasureCommand& command) {
  std::string body(1, command.concurrent ? 'C' : 'M');
  if (command.crc) body += 'C';
  if (command.index > 0) body += static_cast<char>('0' + command.index);
  return body;
}

std::string IdentifyCommand(char address) { return std::string(1, address) + "I!"; }

std::string MeasureCommandText(char address, const MeasureCommand& command) {
  return std::string(1, address) + CommandBody(command) + "!";
}

std::string DataCommand(char address, int index) { return fmt::format("{}D{}!", address, index); }

std::uint16_t Crc16(std::string_view text) {
  std::uint16_t crc = 0;
  for (const char c : text) {
    crc ^= static_cast<std::uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001)
                           : static_cast<std::uint16_t>(crc >> 1);
    }
  }
  return crc;
}

std::array<char, 3> EncodeCrc(std::uint16_t crc) {
  return {static_cast<char>(0x40 | (crc >> 12)), static_cast<char>(0x40 | ((crc >> 6) & 0x3F)),
          static_cast<char>(0x40 | (crc & 0x3F))};
}

std::string WithCrc(std::string_view text) {
  const auto crc = EncodeCrc(Crc16(text));
  return std::string(text) + std::string(crc.data(), crc.size());
}

Parsed<std::string_view> CheckResponse(std::string_view line, char address, bool crc) {
  if (line.empty()) return Error(Fault::kGarbage, "an empty line");
  if (line.front() != address) {
    return Error(Fault::kGarbage, fmt::format("\"{}\" does not start with the address '{}'",
                                              Printable(line), address));
  }
  if (!crc) return line.substr(1);
  if (line.size() < 4) {
    return Error(Fault::kBadCrc,
                 fmt::format("\"{}\" is too short to carry a CRC", Printable(line)));
  }
  const std::string_view text = line.substr(0, line.size() - 3);
  const auto expected = EncodeCrc(Crc16(text));
  if (line.substr(line.size() - 3) != std::string_view(expected.data(), expected.size())) {
    return Error(Fault::kBadCrc, fmt::format("\"{}\" has CRC \"{}\", its text gives \"{}\"",
                                             Printable(line), Printable(line.substr(text.size())),
                                             std::string_view(expected.data(), expected.size())));
  }
  return text.substr(1);
}

std::string Identification::Describe() const {
  std::string text = vendor.empty() ? std::string("(no vendor)") : vendor;
  if (!model.empty()) text += " " + model;
  if (!version.empty()) text += " v" + version;
  if (!optional.empty()) text += " " + optional;
  return text + " (SDI-12 " + sdi12_version + ")";
}

Parsed<Identification> ParseIdentification(std::string_view body) {
  constexpr std::size_t kFixed = 2 + 8 + 6 + 3;
  if (body.size() < kFixed || body.size() > kFixed + 13 || !AllDigits(body.substr(0, 2))) {
    return Error(
        Fault::kGarbage,
        fmt::format("\"{}\" is not an identification (llccccccccmmmmmmvvv[xxx])", Printable(body)));
  }
  for (const char c : body) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
      return Error(Fault::kGarbage, fmt::format("identification \"{}\" has unprintable characters",
                                                Printable(body)));
    }
  }
  Identification id;
  id.sdi12_version = fmt::format("{}.{}", body[0], body[1]);
  id.vendor = Trimmed(body.substr(2, 8));
  id.model = Trimmed(body.substr(10, 6));
  id.version = Trimmed(body.substr(16, 3));
  id.optional = Trimmed(body.substr(kFixed));
  // The sensor version is three characters, "100" read as 1.0.0 by some
  // vendors; it is kept as sent.
  return id;
}

Parsed<Announcement> ParseAnnouncement(std::string_view body, bool concurrent) {
  const std::size_t size = concurrent ? 5 : 4;
  if (body.size() != size || !AllDigits(body)) {
    return Error(Fault::kGarbage, fmt::format("\"{}\" is not a measurement answer ({})",
                                              Printable(body), concurrent ? "atttnn" : "atttn"));
  }
  return Announcement{Digits(body.substr(0, 3)), Digits(body.substr(3))};
}

Parsed<std::vector<double>> ParseValues(std::string_view body) {
  std::vector<double> values;
  std::size_t at = 0;
  while (at < body.size()) {
    const char sign = body[at];
    if (sign != '+' && sign != '-') {
      return Error(Fault::kGarbage,
                   fmt::format("\"{}\": expected '+' or '-' at position {}", Printable(body), at));
    }
    std::size_t end = at + 1;
    int digits = 0;
    int points = 0;
    while (end < body.size() && body[end] != '+' && body[end] != '-') {
      if (IsDigit(body[end])) {
        ++digits;
      } else if (body[end] == '.') {
        ++points;
      } else {
        return Error(Fault::kGarbage,
                     fmt::format("\"{}\": '{}' at position {} is not part of a "
                                 "value",
                                 Printable(body), Printable(body.substr(end, 1)), end));
      }
      ++end;
    }
    if (digits == 0 || digits > 7 || points > 1) {
      return Error(Fault::kGarbage,
                   fmt::format("\"{}\": \"{}\" is not a value (sign, 1 to 7 digits, at most one "
                               "decimal point)",
                               Printable(body), Printable(body.substr(at, end - at))));
    }
    // from_chars does not take a leading '+'; the sign is applied here.
    double value = 0;
    const std::string_view number = body.substr(at + 1, end - at - 1);
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || ptr != number.data() + number.size()) {
      return Error(Fault::kGarbage, fmt::format("\"{}\": \"{}\" does not parse", Printable(body),
                                                Printable(number)));
    }
    values.push_back(sign == '-' ? -value : value);
    at = end;
  }
  return values;
}

std::string FormatValues(const std::vector<double>& values, int decimals) {
  std::string out;
  for (const double v : values) {
    // Keep to 7 digits: fewer decimals for large magnitudes.
    int places = decimals;
    const double magnitude = std::fabs(v);
    const int whole = magnitude < 1 ? 1 : static_cast<int>(std::floor(std::log10(magnitude))) + 1;
    if (whole + places > 7) places = std::max(0, 7 - whole);
    out += fmt::format("{}{:.{}f}", v < 0 ? '-' : '+', magnitude, places);
  }
  return out;
}

}  // namespace cityedge::drivers::sdi12
