// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "drivers/sdi12/protocol.hpp"

namespace cityedge::drivers::sdi12 {
namespace {

TEST_CASE("The CRC matches published SDI-12 examples") {
  // From sensor manuals: the CRC of everything from the address to the last value.
  CHECK(WithCrc("1+2.7+85.2-0.2-2.7+770.5") == "1+2.7+85.2-0.2-2.7+770.5CAH");
  CHECK(WithCrc("0+3.14") == "0+3.14OqZ");
  CHECK(WithCrc("0+0.04+10+14.8+0.0+0+0.0").ends_with("INy"));
  const auto chars = EncodeCrc(0xFFFF);
  CHECK(std::string(chars.data(), 3) == "O\x7F\x7F");
  CHECK(Crc16("") == 0);
}

TEST_CASE("A response is checked for its address and CRC") {
  auto body = CheckResponse("0+3.14OqZ", '0', true);
  REQUIRE(body.has_value());
  CHECK(*body == "+3.14");
  CHECK(*CheckResponse("0+3.14", '0', false) == "+3.14");

  auto bad = CheckResponse("0+3.15OqZ", '0', true);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().fault == Fault::kBadCrc);
  CHECK_THAT(bad.error().message, Catch::Contains("\"0+3.15OqZ\" has CRC \"OqZ\""));

  auto other = CheckResponse("1+3.14", '0', false);
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().fault == Fault::kGarbage);
  CHECK_THAT(other.error().message, Catch::Contains("address '0'"));
  CHECK(CheckResponse("0O", '0', true).error().fault == Fault::kBadCrc);
  CHECK(CheckResponse("", '0', false).error().fault == Fault::kGarbage);
  // Unprintable bytes appear escaped in the message.
  CHECK_THAT(CheckResponse("\x01\xff", '0', false).error().message, Catch::Contains("\\x01\\xFF"));
}

TEST_CASE("Values are parsed from the sign-delimited format") {
  struct Case {
    const char* body;
    std::vector<double> values;
  };
  const Case good[] = {{"", {}},
                       {"+1.23-4.5+6", {1.23, -4.5, 6}},
                       {"-0.001", {-0.001}},
                       {"+1234567", {1234567}},
                       {"+.5-5.", {0.5, -5}},
                       {"+0+0+0", {0, 0, 0}}};
  for (const Case& c : good) {
    INFO(c.body);
    auto values = ParseValues(c.body);
    REQUIRE(values.has_value());
    REQUIRE(values->size() == c.values.size());
    for (std::size_t i = 0; i < c.values.size(); ++i) CHECK((*values)[i] == Approx(c.values[i]));
  }
  const char* bad[] = {"1.2", "+", "+1.2.3", "+12345678", "+1a", "+1 ", "++1", "+1-", "-."};
  for (const char* body : bad) {
    INFO(body);
    auto values = ParseValues(body);
    REQUIRE_FALSE(values.has_value());
    CHECK(values.error().fault == Fault::kGarbage);
  }
  CHECK_THAT(ParseValues("+1.0x").error().message, Catch::Contains("'x' at position 4"));
}

TEST_CASE("Values format the way sensors send them and parse back") {
  CHECK(FormatValues({1.5, -2.25, 0}, 2) == "+1.50-2.25+0.00");
  CHECK(FormatValues({1234567.8}, 3) == "+1234568");
  const std::vector<double> values{12.345, -0.5, 99999.9};
  auto back = ParseValues(FormatValues(values, 3));
  REQUIRE(back.has_value());
  CHECK((*back)[0] == Approx(12.345));
  CHECK((*back)[2] == Approx(99999.9));
}

TEST_CASE("Measurement answers: atttn for aM!, atttnn for aC!") {
  CHECK(*ParseAnnouncement("0052", false) == Announcement{5, 2});
  CHECK(*ParseAnnouncement("12099", true) == Announcement{120, 99});
  CHECK_FALSE(ParseAnnouncement("00512", false).has_value());
  CHECK_FALSE(ParseAnnouncement("0052", true).has_value());
  CHECK_FALSE(ParseAnnouncement("00x2", false).has_value());
  CHECK_THAT(ParseAnnouncement("", false).error().message, Catch::Contains("atttn"));
}

TEST_CASE("Identification splits vendor, model, version and the optional field") {
  auto id = ParseIdentification("14CAMPBELLCS451 100SN12345");
  REQUIRE(id.has_value());
  CHECK(id->sdi12_version == "1.4");
  CHECK(id->vendor == "CAMPBELL");
  CHECK(id->model == "CS451");
  CHECK(id->version == "100");
  CHECK(id->optional == "SN12345");
  CHECK(id->Describe() == "CAMPBELL CS451 v100 SN12345 (SDI-12 1.4)");
  CHECK(ParseIdentification("13ACME    RAIN  2.1")->Describe() == "ACME RAIN v2.1 (SDI-12 1.3)");
  CHECK_FALSE(ParseIdentification("14ACME").has_value());
  CHECK_FALSE(ParseIdentification("xxCAMPBELLCS451 100").has_value());
  CHECK_FALSE(ParseIdentification("14CAMPBELLCS451 100SN12345678901234").has_value());
  CHECK_FALSE(ParseIdentification(std::string("14CAMPBELLCS451 1\x01"
                                              "0"))
                  .has_value());
}

TEST_CASE("Commands are built and measurement commands parsed") {
  CHECK(IdentifyCommand('3') == "3I!");
  CHECK(DataCommand('a', 9) == "aD9!");
  const struct {
    const char* text;
    MeasureCommand command;
  } good[] = {{"M", {false, false, 0}},  {"MC", {false, true, 0}}, {"M7", {false, false, 7}},
              {"MC2", {false, true, 2}}, {"C", {true, false, 0}},  {"CC", {true, true, 0}},
              {"C9", {true, false, 9}},  {"CC1", {true, true, 1}}};
  for (const auto& g : good) {
    INFO(g.text);
    auto parsed = ParseMeasureCommand(g.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == g.command);
    CHECK(CommandBody(*parsed) == g.text);
  }
  CHECK(MeasureCommandText('0', {true, true, 0}) == "0CC!");
  for (const char* text : {"", "R0", "M0", "MCC", "CM", "M10", "m", "V"}) {
    INFO(text);
    CHECK_FALSE(ParseMeasureCommand(text).has_value());
  }
  CHECK((IsValidAddress('0') && IsValidAddress('z') && IsValidAddress('Z')));
  CHECK_FALSE(IsValidAddress('?'));
  CHECK_FALSE(IsValidAddress(' '));
}

}  // namespace
}  // namespace cityedge::drivers::sdi12
