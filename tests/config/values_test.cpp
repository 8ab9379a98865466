// SPDX-License-Identifier: Apache-2.0
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/config/values.hpp"

namespace cityedge::config {
namespace {

struct Good {
  const char* text;
  std::uint64_t value;
};

struct Bad {
  const char* text;
  const char* detail;  // expected in the message; "" when only the generic form
};

TEST_CASE("Sizes parse strictly to bytes") {
  const Good good[] = {
      {"0", 0},
      {"1024", 1024},
      {"1B", 1},
      {"64KiB", 64 * 1024},
      {"512MiB", 512ULL << 20},
      {"2GiB", 2ULL << 30},
      {"1TiB", 1ULL << 40},
      {"1kB", 1000},
      {"1GB", 1000000000},
      {"3TB", 3000000000000},
      {"1.5KiB", 1536},
      {"0.5MiB", 512 * 1024},
      {"16777215TiB", 16777215ULL << 40},
      {"18446744073709551615", 18446744073709551615ULL},
  };
  for (const Good& g : good) {
    INFO(g.text);
    const auto parsed = ParseSize(g.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == g.value);
  }
  const Bad bad[] = {
      {"lots", "no digits"},
      {"MiB", "no digits"},
      {"", "empty"},
      {"5 MiB", "no space between number and unit"},
      {"-1", "cannot be negative"},
      {"-5MiB", "cannot be negative"},
      {"+5MiB", "must start with a digit"},
      {" 12", "must start with a digit"},
      {"1.5.MiB", "unknown unit"},
      {"5mib", "unknown unit"},
      {"5KB", "unknown unit"},
      {"5Mi", "unknown unit"},
      {"1.MiB", "no digits after \".\""},
      {"0x10", "unknown unit"},
      {"012MiB", "leading zeros"},
      {"1.1B", "not a whole number of bytes"},
      {"0.1", "not a whole number of bytes"},
      {"18446744073709551616", "too large"},
      {"16777216TiB", "too large"},
      {"99999999999999999999999GiB", "too large"},
      {"1.0000000001KiB", "too many fraction digits"},
      {"1e3", "unknown unit"},
  };
  for (const Bad& b : bad) {
    INFO(b.text);
    const auto parsed = ParseSize(b.text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(
        parsed.error().message(),
        Catch::StartsWith("expected a size like \"512MiB\", got ") && Catch::Contains(b.detail));
  }
}

TEST_CASE("Durations parse strictly to milliseconds and require a unit") {
  const Good good[] = {
      {"250ms", 250},
      {"30s", 30000},
      {"5m", 300000},
      {"2h", 7200000},
      {"7d", 604800000},
      {"0s", 0},
      {"0ms", 0},
      {"1.5s", 1500},
      {"0.25s", 250},
      {"1.5h", 5400000},
      {"213503982334d", 213503982334ULL * 86400000},
  };
  for (const Good& g : good) {
    INFO(g.text);
    const auto parsed = ParseDuration(g.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == g.value);
  }
  const Bad bad[] = {
      {"5", "a unit is required"},
      {"0", "a unit is required"},
      {"-1s", "cannot be negative"},
      {"1.5.s", "unknown unit"},
      {"10 s", "no space between number and unit"},
      {"10sec", "unknown unit"},
      {"10S", "unknown unit"},
      {"1h30m", "unknown unit"},
      {"1.5ms", "not a whole number of milliseconds"},
      {"213503982335d", "too large"},
      {"s", "no digits"},
      {"soon", "no digits"},
  };
  for (const Bad& b : bad) {
    INFO(b.text);
    const auto parsed = ParseDuration(b.text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(
        parsed.error().message(),
        Catch::StartsWith("expected a duration like \"30s\", got ") && Catch::Contains(b.detail));
  }
}

TEST_CASE("Integers and numbers reject anything but their one spelling") {
  CHECK(ParseInteger("0").value() == 0);
  CHECK(ParseInteger("-42").value() == -42);
  CHECK(ParseInteger("9223372036854775807").value() == INT64_MAX);
  CHECK(ParseUnsigned("18446744073709551615").value() == UINT64_MAX);
  for (const char* text : {"ten", "10.5", "0x10", " 12", "12 ", "+5", "1e3", "1_000", "", "-",
                           "010", "9223372036854775808", "--1"}) {
    INFO(text);
    CHECK_FALSE(ParseInteger(text).has_value());
  }
  CHECK_THAT(ParseUnsigned("-1").error().message(), Catch::Contains("cannot be negative"));
  CHECK_THAT(ParseInteger("010").error().message(), Catch::Contains("leading zeros"));
  CHECK_THAT(ParseInteger("99999999999999999999").error().message(),
             Catch::Contains("out of range"));

  CHECK(ParseNumber("2.5").value() == 2.5);
  CHECK(ParseNumber("-0.25").value() == -0.25);
  CHECK(ParseNumber("1e3").value() == 1000.0);
  CHECK(ParseNumber("7").value() == 7.0);
  for (const char* text : {"1e400", "-1e400", ".5", "5.", "inf", ".inf", "nan", "1,5", "ten",
                           "0x1p3", "1e", "1.2.3", " 1"}) {
    INFO(text);
    CHECK_FALSE(ParseNumber(text).has_value());
  }
  CHECK_THAT(ParseNumber("1e400").error().message(), Catch::Contains("out of range"));
}

TEST_CASE("Booleans are true or false only") {
  CHECK(ParseBool("true").value());
  CHECK_FALSE(ParseBool("false").value());
  for (const char* text : {"yes", "no", "on", "off", "True", "1", "0", ""}) {
    INFO(text);
    CHECK_FALSE(ParseBool(text).has_value());
  }
}

TEST_CASE("Topics, ids and URIs") {
  for (const char* ok : {"cityedge", "city/north/gw-1", "a"}) {
    INFO(ok);
    CHECK(CheckTopic(ok).has_value());
  }
  const std::pair<std::string, const char*> bad_topics[] = {
      {"", "empty"},
      {"city/#", "wildcards"},
      {"city/+/x", "wildcards"},
      {"/city", "leading or trailing"},
      {"city/", "leading or trailing"},
      {"city//x", "empty topic level"},
      {std::string("ci\0ty", 5), "NUL"},
      {"$SYS/x", "reserved"},
      {std::string(65536, 'a'), "longer than 65535"},
  };
  for (const auto& [text, detail] : bad_topics) {
    const auto status = CheckTopic(text);
    REQUIRE_FALSE(status.has_value());
    CHECK_THAT(status.error().message(), Catch::Contains(detail));
  }
  CHECK_THAT(CheckTopic(std::string("a\0b", 3)).error().message(), Catch::Contains("\"a\\0b\""));

  for (const std::string& ok :
       std::vector<std::string>{"gw1", "cam-1", "a_b", "0", std::string(64, 'x')}) {
    INFO(ok);
    CHECK(CheckIdent(ok).has_value());
  }
  for (const std::string& bad : std::vector<std::string>{"", "Cam", "cam 1", "-cam", "_cam",
                                                         "cam.1", "cam/1", std::string(65, 'x')}) {
    INFO(bad);
    CHECK_FALSE(CheckIdent(bad).has_value());
  }

  for (const char* ok : {"tcp://broker:1883", "ssl://10.0.0.1:8883", "mqtt://b:1",
                         "mqtts://b.city.example:65535", "tcp://[::1]:1883"}) {
    INFO(ok);
    CHECK(CheckUri(ok).has_value());
  }
  const std::pair<const char*, const char*> bad_uris[] = {
      {"broker:1883", "missing scheme"},
      {"http://b:80", "scheme must be"},
      {"ws://b:8080/mqtt", "scheme must be tcp, ssl, mqtt or mqtts"},
      {"wss://b:443/mqtt", "scheme must be"},
      {"tcp://b", "a port is required"},
      {"tcp://b:", "a port is required"},
      {"tcp://b:0", "1..65535"},
      {"tcp://b:65536", "1..65535"},
      {"tcp://b:http", "1..65535"},
      {"tcp://:1883", "no host"},
      {"tcp://u:p@b:1883", "no user or password"},
      {"tcp://b:1883/x", "takes no path"},
      {"tcp://b_c:1883", "invalid character in host"},
      {"tcp://[::1:1883", "malformed IPv6"},
  };
  for (const auto& [text, detail] : bad_uris) {
    INFO(text);
    const auto status = CheckUri(text);
    REQUIRE_FALSE(status.has_value());
    CHECK_THAT(status.error().message(), Catch::Contains(detail));
  }
}

TEST_CASE("Sizes and durations format in their shortest exact unit") {
  CHECK(FormatSize(1048576) == "1MiB");
  CHECK(FormatSize(1000000) == "1MB");
  CHECK(FormatSize(1500) == "1500B");
  CHECK(FormatSize(0) == "0B");
  CHECK(FormatDuration(30000) == "30s");
  CHECK(FormatDuration(60000) == "1m");
  CHECK(FormatDuration(250) == "250ms");
  CHECK(FormatDuration(86400000) == "1d");
  for (const std::uint64_t bytes : {1ULL, 1024ULL, 1536ULL, 65536ULL, 1000000000ULL}) {
    CHECK(ParseSize(FormatSize(bytes)).value() == bytes);
  }
}

}  // namespace
}  // namespace cityedge::config
