// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/values.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <numeric>
#include <span>

#include <fmt/format.h>

#include "daemon/core/quote.hpp"

namespace cityedge::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

constexpr std::array<Unit, 10> kSizeUnits = {{{"", 1},
                                              {"B", 1},
                                              {"kB", 1000},
                                              {"MB", 1000'000},
                                              {"GB", 1000'000'000},
                                              {"TB", 1000'000'000'000},
                                              {"KiB", 1ULL << 10},
                                              {"MiB", 1ULL << 20},
                                              {"GiB", 1ULL << 30},
                                              {"TiB", 1ULL << 40}}};

constexpr std::array<Unit, 5> kDurationUnits = {
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

// More fraction digits than this cannot matter for bytes or milliseconds and
// would overflow the fraction arithmetic.
constexpr std::size_t kMaxFractionDigits = 9;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::size_t CountDigits(std::string_view text, std::size_t from) {
  std::size_t i = from;
  while (i < text.size() && IsDigit(text[i])) ++i;
  return i - from;
}

std::unexpected<Error> Expected(std::string_view phrase, std::string_view text,
                                std::string_view detail = {}) {
  std::string message = fmt::format("expected {}, got {}", phrase, Quote(text));
  if (!detail.empty()) message += fmt::format(" ({})", detail);
  return MakeError(Code::kInvalidArgument, std::move(message));
}

// Checks the integer grammar shared by integers, numbers, sizes and durations:
// digits with no leading zero. Returns the length of the digit run or an error
// detail.
std::expected<std::size_t, std::string_view> IntegerPart(std::string_view text, std::size_t from) {
  const std::size_t digits = CountDigits(text, from);
  if (digits == 0) return std::unexpected("no digits");
  if (digits > 1 && text[from] == '0') {
    return std::unexpected("leading zeros are ambiguous: YAML 1.1 reads them as octal");
  }
  return digits;
}

std::string UnitList(std::span<const Unit> units) {
  std::string out;
  for (const Unit& unit : units) {
    if (unit.suffix.empty()) continue;
    if (!out.empty()) out += ", ";
    out += unit.suffix;
  }
  return out;
}

const Unit* FindUnit(std::span<const Unit> units, std::string_view suffix) {
  for (const Unit& unit : units) {
    if (unit.suffix == suffix) return &unit;
  }
  return nullptr;
}

// A number with an optional fraction and a unit suffix from `units`,
// converted to a whole count of the smallest unit.
struct Scaled {
  std::string_view integer;
  std::string_view fraction;
  std::string_view suffix;
};

std::expected<Scaled, std::string> SplitScaled(std::string_view text, std::span<const Unit> units) {
  if (text.empty()) return std::unexpected("empty");
  if (text.front() == '-') return std::unexpected("cannot be negative");
  if (text.front() == '+' || text.front() == ' ' || text.front() == '\t') {
    return std::unexpected("must start with a digit");
  }
  const auto digits = IntegerPart(text, 0);
  if (!digits) return std::unexpected(std::string(digits.error()));
  Scaled out{text.substr(0, *digits), {}, {}};
  std::size_t i = *digits;
  if (i < text.size() && text[i] == '.') {
    const std::size_t fraction = CountDigits(text, i + 1);
    if (fraction == 0) return std::unexpected("no digits after \".\"");
    if (fraction > kMaxFractionDigits) return std::unexpected("too many fraction digits");
    out.fraction = text.substr(i + 1, fraction);
    i += 1 + fraction;
  }
  out.suffix = text.substr(i);
  if (!out.suffix.empty() && (out.suffix.front() == ' ' || out.suffix.front() == '\t')) {
    return std::unexpected("no space between number and unit");
  }
  if (FindUnit(units, out.suffix) == nullptr) {
    const std::string_view what = out.suffix.empty() ? "a unit is required" : "unknown unit";
    return std::unexpected(fmt::format("{}; use one of {}", what, UnitList(units)));
  }
  return out;
}

std::expected<std::uint64_t, std::string> ToScaledCount(const Scaled& parts, std::uint64_t factor,
                                                        std::string_view unit_name) {
  std::uint64_t whole = 0;
  const auto [ptr, ec] =
      std::from_chars(parts.integer.data(), parts.integer.data() + parts.integer.size(), whole);
  if (ec != std::errc()) return std::unexpected("too large");
  // 64-bit arithmetic with overflow checks (32-bit targets have no 128-bit
  // integer): "value * unit" overflow is still detected exactly.
  std::uint64_t total = 0;
  bool too_large = __builtin_mul_overflow(whole, factor, &total);
  if (!parts.fraction.empty()) {
    std::uint64_t numerator = 0;
    std::from_chars(parts.fraction.data(), parts.fraction.data() + parts.fraction.size(),
                    numerator);
    std::uint64_t denominator = 1;
    for (std::size_t i = 0; i < parts.fraction.size(); ++i) denominator *= 10;
    // numerator * factor / denominator, whole exactly when numerator is a
    // multiple of denominator / gcd; it is below factor, so no overflow.
    const std::uint64_t common = std::gcd(factor, denominator);
    if (numerator % (denominator / common) != 0) {
      return std::unexpected(fmt::format("not a whole number of {}", unit_name));
    }
    too_large |= __builtin_add_overflow(
        total, numerator / (denominator / common) * (factor / common), &total);
  }
  if (too_large) return std::unexpected("too large");
  return total;
}

Result<std::uint64_t> ParseScaled(std::string_view text, std::span<const Unit> units,
                                  std::string_view phrase, std::string_view unit_name) {
  const auto parts = SplitScaled(text, units);
  if (!parts) return Expected(phrase, text, parts.error());
  const auto count = ToScaledCount(*parts, FindUnit(units, parts->suffix)->factor, unit_name);
  if (!count) return Expected(phrase, text, count.error());
  return *count;
}

std::string FormatScaled(std::uint64_t value, std::span<const Unit> units,
                         std::string_view fallback_suffix) {
  // Prefer the unit giving the shortest text; ties go to the later (binary) unit.
  std::string best = fmt::format("{}{}", value, fallback_suffix);
  for (const Unit& unit : units) {
    if (unit.suffix.empty() || value == 0 || value % unit.factor != 0) continue;
    std::string candidate = fmt::format("{}{}", value / unit.factor, unit.suffix);
    if (candidate.size() <= best.size()) best = std::move(candidate);
  }
  return best;
}

}  // namespace

std::string Quote(std::string_view text) { return Quoted(text, QuoteStyle::kC); }

Result<std::int64_t> ParseInteger(std::string_view text) {
  const std::size_t sign = !text.empty() && text.front() == '-' ? 1 : 0;
  const auto digits = IntegerPart(text, sign);
  if (!digits) return Expected(kIntegerPhrase, text, text.empty() ? "" : digits.error());
  if (sign + *digits != text.size()) return Expected(kIntegerPhrase, text);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return Expected(kIntegerPhrase, text, "out of range");
  return value;
}

Result<std::uint64_t> ParseUnsigned(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    return Expected(kIntegerPhrase, text, "cannot be negative");
  }
  const auto digits = IntegerPart(text, 0);
  if (!digits) return Expected(kIntegerPhrase, text, text.empty() ? "" : digits.error());
  if (*digits != text.size()) return Expected(kIntegerPhrase, text);
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return Expected(kIntegerPhrase, text, "out of range");
  return value;
}

Result<double> ParseNumber(std::string_view text) {
  std::size_t i = !text.empty() && text.front() == '-' ? 1 : 0;
  const auto digits = IntegerPart(text, i);
  if (!digits) return Expected(kNumberPhrase, text, text.empty() ? "" : digits.error());
  i += *digits;
  if (i < text.size() && text[i] == '.') {
    const std::size_t fraction = CountDigits(text, i + 1);
    if (fraction == 0) return Expected(kNumberPhrase, text);
    i += 1 + fraction;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent = CountDigits(text, i);
    if (exponent == 0) return Expected(kNumberPhrase, text);
    i += exponent;
  }
  if (i != text.size()) return Expected(kNumberPhrase, text);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) {
    return Expected(kNumberPhrase, text, "out of range");
  }
  return value;
}

Result<bool> ParseBool(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return Expected(kBoolPhrase, text);
}

Result<std::uint64_t> ParseSize(std::string_view text) {
  return ParseScaled(text, kSizeUnits, kSizePhrase, "bytes");
}

Result<std::uint64_t> ParseDuration(std::string_view text) {
  return ParseScaled(text, kDurationUnits, kDurationPhrase, "milliseconds");
}

std::string FormatSize(std::uint64_t bytes) { return FormatScaled(bytes, kSizeUnits, "B"); }

std::string FormatDuration(std::uint64_t ms) { return FormatScaled(ms, kDurationUnits, "ms"); }

}  // namespace cityedge::config

namespace cityedge::config {
namespace {

// The MQTT 3.1.1 / 5 limit on a topic name in bytes.
constexpr std::size_t kMaxTopicBytes = 65535;
constexpr std::size_t kMaxIdentLength = 64;

// What the uplink can dial: plain TCP or TLS (WebSocket transports are not offered).
constexpr std::array<std::string_view, 4> kUriSchemes = {"tcp", "ssl", "mqtt", "mqtts"};

bool IsIdentChar(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' || c == '-'; }

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '.';
}

std::string_view TopicProblem(std::string_view text) {
  if (text.empty()) return "empty";
  if (text.size() > kMaxTopicBytes) return "longer than 65535 bytes";
  if (text.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (text.find_first_of("#+") != std::string_view::npos) {
    return "wildcards # and + are only for subscriptions";
  }
  if (text.front() == '$') return "topics starting with \"$\" are reserved for the broker";
  if (text.front() == '/' || text.back() == '/') return "no leading or trailing \"/\"";
  if (text.find("//") != std::string_view::npos) return "empty topic level";
  return {};
}

std::string_view HostProblem(std::string_view host) {
  if (host.empty()) return "no host";
  if (host.front() == '[') {
    // An IPv6 literal; the resolver judges its content.
    return host.back() == ']' && host.size() > 2 ? std::string_view{} : "malformed IPv6 literal";
  }
  for (const char c : host) {
    if (!IsHostChar(c)) return "invalid character in host";
  }
  return {};
}

std::string_view PortProblem(std::string_view port) {
  if (port.empty()) return "a port is required, e.g. :1883";
  const auto value = ParseUnsigned(port);
  if (!value || *value < 1 || *value > 65535) return "port must be 1..65535";
  return {};
}

// Splits "host:port" where host may be a bracketed IPv6 literal.
std::pair<std::string_view, std::string_view> SplitHostPort(std::string_view authority) {
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return {authority, {}};
  }
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

std::string_view UriProblem(std::string_view text) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return "missing scheme://";
  const std::string_view scheme = text.substr(0, sep);
  bool known = false;
  for (const std::string_view s : kUriSchemes) known = known || s == scheme;
  if (!known) return "scheme must be tcp, ssl, mqtt or mqtts";
  std::string_view rest = text.substr(sep + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) return "a broker URI takes no path";
  if (authority.find('@') != std::string_view::npos) {
    return "no user or password in the URI; use uplink.username and uplink.password_file";
  }
  const auto [host, port] = SplitHostPort(authority);
  if (const auto problem = HostProblem(host); !problem.empty()) return problem;
  if (const auto problem = PortProblem(port); !problem.empty()) return problem;
  for (const char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ') return "contains a space or control character";
  }
  return {};
}

Status FromProblem(std::string_view phrase, std::string_view text, std::string_view problem) {
  if (problem.empty()) return OkStatus();
  return Expected(phrase, text, problem);
}

}  // namespace

Status CheckTopic(std::string_view text) {
  return FromProblem(kTopicPhrase, text, TopicProblem(text));
}

Status CheckIdent(std::string_view text) {
  std::string_view problem;
  if (text.empty()) {
    problem = "empty";
  } else if (text.size() > kMaxIdentLength) {
    problem = "longer than 64 characters";
  } else if (text.front() == '_' || text.front() == '-') {
    problem = "must start with a letter or digit";
  } else {
    for (const char c : text) {
      if (!IsIdentChar(c)) problem = "invalid character";
    }
  }
  return FromProblem(kIdentPhrase, text, problem);
}

Status CheckUri(std::string_view text) { return FromProblem(kUriPhrase, text, UriProblem(text)); }

}  // namespace cityedge::config
