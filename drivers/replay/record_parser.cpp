// SPDX-License-Identifier: Apache-2.0
#include "record_parser.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <vector>

namespace cityedge::drivers::replay {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::expected<double, std::string> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::unexpected("'" + std::string(text) + "' is not a finite number");
  }
  return value;
}

// Reads exactly `digits` decimal digits at `pos`.
bool Digits(std::string_view s, std::size_t pos, std::size_t digits, int* out) {
  if (pos + digits > s.size()) return false;
  const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + digits, *out);
  return ec == std::errc() && end == s.data() + pos + digits;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// civil-date algorithm, in its public-domain formulation).
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

// Fraction ".250" at `*pos` as nanoseconds; advances *pos.
std::int64_t Fraction(std::string_view s, std::size_t* pos) {
  std::int64_t ns = 0;
  std::int64_t scale = 100'000'000;
  if (*pos < s.size() && s[*pos] == '.') {
    ++*pos;
    while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') {
      ns += (s[*pos] - '0') * scale;
      scale /= 10;
      ++*pos;
    }
  }
  return ns;
}

std::expected<std::int64_t, std::string> ParseRfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool ok = Digits(s, 0, 4, &year) && s.size() > 10 && s[4] == '-' &&
                  Digits(s, 5, 2, &month) && s[7] == '-' && Digits(s, 8, 2, &day) &&
                  (s[10] == 'T' || s[10] == ' ') && Digits(s, 11, 2, &hour) && s.size() > 13 &&
                  s[13] == ':' && Digits(s, 14, 2, &minute) && s.size() > 16 && s[16] == ':' &&
                  Digits(s, 17, 2, &second);
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::unexpected("'" + std::string(s) +
                           "' is not a timestamp (RFC 3339 or Unix seconds)");
  }
  std::size_t pos = 19;
  const std::int64_t fraction = Fraction(s, &pos);
  std::int64_t offset_s = 0;
  const std::string_view zone = s.substr(pos);
  int oh = 0, om = 0;
  if (zone == "Z" || zone == "z") {
    offset_s = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2, &oh) &&
             zone[3] == ':' && Digits(zone, 4, 2, &om)) {
    offset_s = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    return std::unexpected("timestamp '" + std::string(s) +
                           "' has no zone (end it in Z or +hh:mm)");
  }
  const std::int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return seconds * 1'000'000'000 + fraction;
}

std::expected<ce_driver_quality, std::string> ParseQuality(std::string_view text) {
  if (text.empty() || text == "good") return CE_DRIVER_QUALITY_GOOD;
  if (text == "uncertain") return CE_DRIVER_QUALITY_UNCERTAIN;
  if (text == "bad") return CE_DRIVER_QUALITY_BAD;
  return std::unexpected("quality '" + std::string(text) + "' is not good, uncertain or bad");
}

}  // namespace

std::expected<std::int64_t, std::string> ParseTimestamp(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos) {
    std::expected<double, std::string> seconds = ParseNumber(text);
    if (!seconds || *seconds > 9.2e9) {
      return std::unexpected("'" + std::string(text) + "' is not a Unix time in seconds");
    }
    return static_cast<std::int64_t>(std::llround(*seconds * 1e9));
  }
  return ParseRfc3339(text);
}

bool IsSkippable(std::string_view line) {
  line = Trim(line);
  return line.empty() || line.front() == '#';
}

namespace {

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const std::size_t comma = line.find(',');
    fields.push_back(Trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

}  // namespace

std::expected<int, std::string> ParseCsvHeader(std::string_view line) {
  const std::vector<std::string_view> f = SplitCsv(line);
  const bool base = f.size() >= 4 && f[0] == "timestamp" && f[1] == "channel" && f[2] == "value" &&
                    f[3] == "unit";
  if (base && f.size() == 4) return 4;
  if (base && f.size() == 5 && f[4] == "quality") return 5;
  return std::unexpected(
      "header must be 'timestamp,channel,value,unit' (optionally ',quality'), "
      "got '" +
      std::string(Trim(line)) + "'");
}

ParseResult ParseCsvLine(std::string_view line, int columns) {
  const std::vector<std::string_view> f = SplitCsv(line);
  if (static_cast<int>(f.size()) != columns) {
    return std::unexpected("expected " + std::to_string(columns) + " fields, got " +
                           std::to_string(f.size()));
  }
  Record record;
  auto time = ParseTimestamp(f[0]);
  if (!time) return std::unexpected(time.error());
  record.time_ns = *time;
  if (f[1].empty()) return std::unexpected("empty channel");
  record.channel = f[1];
  auto value = ParseNumber(f[2]);
  if (!value) return std::unexpected("value " + value.error());
  record.value = *value;
  record.unit = f[3];
  auto quality = ParseQuality(columns == 5 ? f[4] : std::string_view());
  if (!quality) return std::unexpected(quality.error());
  record.quality = *quality;
  return record;
}

namespace {

// A value of a flat JSON object: text for strings, the raw token otherwise.
struct JsonValue {
  bool is_string = false;
  std::string text;
};

// Scanner for one flat JSON object; nested objects and arrays are refused.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : s_(text) {}

  std::expected<std::map<std::string, JsonValue>, std::string> Object() {
    std::map<std::string, JsonValue> fields;
    if (!Eat('{')) return std::unexpected("not a JSON object");
    if (Eat('}')) return End(std::move(fields));
    do {
      auto key = String();
      if (!key) return std::unexpected(key.error());
      if (!Eat(':')) return std::unexpected("expected ':' after \"" + *key + "\"");
      auto value = Value();
      if (!value) return std::unexpected(value.error());
      if (!fields.emplace(*key, std::move(*value)).second) {
        return std::unexpected("key \"" + *key + "\" appears twice");
      }
    } while (Eat(','));
    if (!Eat('}')) return std::unexpected("expected ',' or '}'");
    return End(std::move(fields));
  }

 private:
  std::expected<std::map<std::string, JsonValue>, std::string> End(
      std::map<std::string, JsonValue> fields) {
    SkipSpace();
    if (pos_ != s_.size()) return std::unexpected("text after the JSON object");
    return fields;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::expected<std::string, std::string> String() {
    if (!Eat('"')) return std::unexpected("expected a string");
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        const char e = s_[pos_++];
        static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
        const std::size_t i = kFrom.find(e);
        if (i == std::string_view::npos) return std::unexpected("unsupported escape in string");
        c = kTo[i];
      }
      out.push_back(c);
    }
    if (pos_ >= s_.size()) return std::unexpected("unterminated string");
    ++pos_;
    return out;
  }
  std::expected<JsonValue, std::string> Value() {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '"') {
      auto text = String();
      if (!text) return std::unexpected(text.error());
      return JsonValue{true, std::move(*text)};
    }
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '}' && s_[pos_] != ' ') ++pos_;
    const std::string_view token = s_.substr(start, pos_ - start);
    if (token.empty() || token.front() == '{' || token.front() == '[') {
      return std::unexpected("values must be strings or numbers");
    }
    return JsonValue{false, std::string(token)};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

ParseResult ParseJsonLine(std::string_view line) {
  auto fields = JsonScanner(Trim(line)).Object();
  if (!fields) return std::unexpected(fields.error());
  const auto field = [&](const char* key) -> const JsonValue* {
    const auto it = fields->find(key);
    return it == fields->end() ? nullptr : &it->second;
  };
  const JsonValue* time = field("timestamp");
  const JsonValue* channel = field("channel");
  const JsonValue* value = field("value");
  if (time == nullptr || channel == nullptr || value == nullptr) {
    return std::unexpected("needs \"timestamp\", \"channel\" and \"value\"");
  }
  Record record;
  auto ns = ParseTimestamp(time->text);
  if (!ns) return std::unexpected(ns.error());
  record.time_ns = *ns;
  if (!channel->is_string || channel->text.empty()) {
    return std::unexpected("\"channel\" must be non-empty text");
  }
  record.channel = channel->text;
  auto number = value->is_string ? std::expected<double, std::string>(
                                       std::unexpected("\"value\" must be a number, not text"))
                                 : ParseNumber(value->text);
  if (!number) return std::unexpected(number.error());
  record.value = *number;
  if (const JsonValue* unit = field("unit")) record.unit = unit->text;
  const JsonValue* quality_field = field("quality");
  auto quality = ParseQuality(quality_field ? std::string_view(quality_field->text) : "");
  if (!quality) return std::unexpected(quality.error());
  record.quality = *quality;
  for (const auto& [key, unused] : *fields) {
    if (key != "timestamp" && key != "channel" && key != "value" && key != "unit" &&
        key != "quality") {
      return std::unexpected("unknown key \"" + key + "\"");
    }
  }
  return record;
}

}  // namespace cityedge::drivers::replay
