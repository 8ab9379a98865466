// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <catch2/catch.hpp>

#include "daemon/config/settings_validation.hpp"
#include "daemon/config/yaml_support.hpp"
#include "tests/config/fake_registry.hpp"

namespace cityedge::config {
namespace {

std::string AllProblems(const SettingsResult& result) {
  return result.has_value() ? std::string() : FormatProblems(result.error());
}

TEST_CASE("Valid settings are typed and defaults are filled") {
  const auto result = ValidateSettingsText(testing::ReplaySchema(),
                                           "path: /data/a.jsonl\n"
                                           "format: jsonl\n"
                                           "rate: 2\n"
                                           "period: 250ms\n"
                                           "channels: [pm2_5, {name: pm10, scale: 0.1}]\n");
  INFO(AllProblems(result));
  REQUIRE(result.has_value());
  const Settings& settings = *result;
  CHECK(settings.GetString("path") == "/data/a.jsonl");
  CHECK(settings.GetString("format") == "jsonl");
  CHECK(settings.GetDouble("rate") == 2.0);
  CHECK(settings.GetInt("period") == 250);
  CHECK(settings.GetList("channels") ==
        std::vector<std::string>{"pm2_5", "{name: pm10, scale: 0.1}"});
  // Defaults, parsed by the same rules as user values.
  CHECK(settings.GetBool("loop") == false);
  CHECK(settings.GetInt("port") == 8080);
  CHECK(settings.GetInt("buffer") == 64 * 1024);
  CHECK(settings.values().size() == testing::ReplaySchema().size());
}

TEST_CASE("Optional settings without a default stay unset") {
  const auto result = ValidateSettingsText(testing::ThresholdSchema(), "high: 75\n");
  REQUIRE(result.has_value());
  CHECK(result->GetDouble("high") == 75.0);
  CHECK_FALSE(result->Has("low"));
  CHECK(result->GetInt("debounce") == 0);
}

TEST_CASE("Every settings problem is reported with its position and path") {
  const auto result = ValidateSettingsText(testing::ReplaySchema(),
                                           "format: xml\n"
                                           "rate: fast\n"
                                           "speed: 3\n"
                                           "port: 70000\n"
                                           "loop: yes\n"
                                           "period: 5ms\n"
                                           "channels: [a, b, c, d, e]\n"
                                           "buffer: 1.5B\n"
                                           "port: 1\n",
                                           "replay.yaml");
  REQUIRE_FALSE(result.has_value());
  const std::string text = AllProblems(result);
  INFO(text);
  CHECK(result.error().size() == 10);
  CHECK_THAT(
      text,
      Catch::Contains("replay.yaml:1:9: settings.format: expected one of csv, jsonl, got \"xml\""));
  CHECK_THAT(text,
             Catch::Contains("replay.yaml:2:7: settings.rate: expected a number, got \"fast\""));
  CHECK_THAT(text,
             Catch::Contains("replay.yaml:3:1: settings.speed: unknown key \"speed\"; valid keys: "
                             "path, format, rate, loop, port, period, buffer, channels"));
  CHECK_THAT(text, Catch::Contains(
                       "replay.yaml:4:7: settings.port: must be between 1 and 65535, got 70000"));
  CHECK_THAT(
      text, Catch::Contains("replay.yaml:5:7: settings.loop: expected true or false, got \"yes\""));
  CHECK_THAT(text, Catch::Contains(
                       "replay.yaml:6:9: settings.period: must be at least 10ms, got \"5ms\""));
  CHECK_THAT(text, Catch::Contains(
                       "replay.yaml:7:11: settings.channels: must have at most 4 items, got 5"));
  CHECK_THAT(text, Catch::Contains("replay.yaml:8:9: settings.buffer: expected a size like "
                                   "\"512MiB\", got \"1.5B\" (not a whole number of bytes)"));
  CHECK_THAT(text,
             Catch::Contains("replay.yaml:9:1: settings.port: duplicate key (first at line 4)"));
  CHECK_THAT(text, Catch::Contains("replay.yaml:1:1: settings: missing required setting \"path\""));
}

TEST_CASE("Settings that are not a mapping, or not YAML, are problems") {
  CHECK_THAT(AllProblems(ValidateSettingsText(testing::ReplaySchema(), "[1, 2]\n")),
             Catch::Contains("settings: expected a mapping of settings, got a list"));
  CHECK_THAT(AllProblems(ValidateSettingsText(testing::ReplaySchema(), "path: [\n", "s.yaml")),
             Catch::Contains("s.yaml:2:1: YAML syntax error"));
  CHECK_THAT(AllProblems(ValidateSettingsText(testing::AqiSchema(), "a: 1\n---\nb: 2\n")),
             Catch::Contains("only one YAML document"));
  // No settings at all is fine when nothing is required.
  const auto empty = ValidateSettingsText(testing::AqiSchema(), "");
  REQUIRE(empty.has_value());
  CHECK(empty->GetString("standard") == "hj633");
}

TEST_CASE("ValidateSettings takes a node and a path prefix") {
  const YAML::Node node = YAML::Load("standard: us_epa\n");
  const auto result =
      ValidateSettings(testing::AqiSchema(), node, "x.yaml", "pipelines[0].settings");
  REQUIRE(result.has_value());
  CHECK(result->GetString("standard") == "us_epa");
  const auto bad = ValidateSettings(testing::AqiSchema(), YAML::Load("standard: who\n"), "x.yaml",
                                    "pipelines[0].settings");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().at(0).ToString() ==
        "x.yaml:1:11: pipelines[0].settings.standard: expected one of hj633, us_epa, got \"who\"");
}

TEST_CASE("Schemas of the test plugins are consistent, broken ones are caught") {
  for (const auto& schema : {testing::ReplaySchema(), testing::ThresholdSchema(),
                             testing::AqiSchema(), testing::FloodSchema()}) {
    CHECK(CheckSettingsSchema(schema).empty());
  }
  SettingsSchema broken = {testing::Spec("rate", SettingType::kDouble, "quick", "Rate"),
                           testing::Spec("Mode", SettingType::kEnum, "", "Mode"),
                           testing::Spec("rate", SettingType::kInt, "", "Again")};
  broken[0].min = 5;
  broken[0].max = 1;
  const auto mistakes = CheckSettingsSchema(broken);
  const std::string all = [&] {
    std::string s;
    for (const auto& m : mistakes) s += m + "\n";
    return s;
  }();
  INFO(all);
  CHECK(mistakes.size() == 5);
  CHECK_THAT(all, Catch::Contains("rate: default: expected a number, got \"quick\""));
  CHECK_THAT(all, Catch::Contains("rate: min is above max"));
  CHECK_THAT(all, Catch::Contains("Mode: key: expected an id"));
  CHECK_THAT(all, Catch::Contains("Mode: enum without allowed values"));
  CHECK_THAT(all, Catch::Contains("rate: declared twice"));
}

TEST_CASE("DescribeSettings prints a markdown table from the schema") {
  const std::string table = DescribeSettings("replay", testing::ReplaySchema());
  INFO(table);
  CHECK_THAT(table, Catch::StartsWith("Settings of `replay`:\n\n| key | type | default | range | "
                                      "unit | description |\n|---|---|---|---|---|---|\n"));
  CHECK_THAT(table, Catch::Contains(
                        "| path | string | (required) |  |  | CSV or JSONL file to replay |\n"));
  CHECK_THAT(table, Catch::Contains("| format | enum: csv, jsonl | csv |  |  | File format |\n"));
  CHECK_THAT(table, Catch::Contains(
                        "| rate | number | 1.0 | 0.01 .. 1000 |  | Playback speed factor |\n"));
  CHECK_THAT(table, Catch::Contains(
                        "| period | duration | 1s | >= 10ms | ms | A made-up poll period |\n"));
  CHECK_THAT(table, Catch::Contains(
                        "| channels | list | [pm2_5, pm10] | <= 4 items |  | Channels kept |\n"));
  SettingsSchema piped = {testing::Spec("sep", SettingType::kString, "|", "a | b")};
  CHECK_THAT(DescribeSettings("x", piped),
             Catch::Contains("| sep | string | \\| |  |  | a \\| b |"));
}

TEST_CASE("A list of tables is validated table by table, defaults filled per table") {
  const auto result = ValidateSettingsText(testing::RegisterMapSchema(),
                                           "registers:\n"
                                           "  - {channel: pm2_5, addr: 3, order: cdab}\n"
                                           "  - channel: noise\n"
                                           "    addr: 0\n"
                                           "    scale: 0.1\n");
  INFO(AllProblems(result));
  REQUIRE(result.has_value());
  const std::vector<Settings> tables = result->GetTables("registers");
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].GetString("channel") == "pm2_5");
  CHECK(tables[0].GetInt("addr") == 3);
  CHECK(tables[0].GetString("order") == "cdab");
  CHECK(tables[0].GetDouble("scale") == 1.0);
  CHECK(tables[1].GetString("order") == "abcd");
  CHECK(tables[1].GetDouble("scale") == 0.1);
}

TEST_CASE("Problems inside a list of tables carry the full key path") {
  const auto result = ValidateSettingsText(testing::RegisterMapSchema(),
                                           "registers:\n"
                                           "  - {channel: a, addr: 1}\n"
                                           "  - {channel: b, addr: 2, order: abdc}\n"
                                           "  - {addr: 70000, colour: red}\n"
                                           "  - 7\n",
                                           "m.yaml");
  REQUIRE_FALSE(result.has_value());
  const std::string text = AllProblems(result);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("m.yaml:3:34: settings.registers[1].order: expected one of "
                                   "abcd, cdab, badc, dcba, got \"abdc\""));
  CHECK_THAT(text, Catch::Contains("settings.registers[2].addr: must be between 0 and 65535"));
  CHECK_THAT(text, Catch::Contains("settings.registers[2].colour: unknown key \"colour\""));
  CHECK_THAT(text, Catch::Contains("m.yaml:4:5: settings.registers[2]: missing required setting "
                                   "\"channel\""));
  CHECK_THAT(text, Catch::Contains("m.yaml:5:5: settings.registers[3]: expected a mapping of "
                                   "channel, addr, order, scale; read as a one-line entry, \"7\" "
                                   "is not field=value"));
  CHECK(result.error().size() == 5);

  const auto empty = ValidateSettingsText(testing::RegisterMapSchema(), "registers: []\n");
  CHECK_THAT(AllProblems(empty), Catch::Contains("settings.registers: must have at least 1 items"));
  const auto scalar = ValidateSettingsText(testing::RegisterMapSchema(), "registers: x\n");
  CHECK_THAT(AllProblems(scalar),
             Catch::Contains("settings.registers: expected a list of mappings, got a value"));
}

TEST_CASE("The one-line form of a table is read as its mapping, with a deprecation warning") {
  const auto result = ValidateSettingsText(testing::RegisterMapSchema(),
                                           "registers:\n"
                                           "  - \"channel=pm2_5 addr=3 order=cdab\"\n");
  INFO(AllProblems(result));
  REQUIRE(result.has_value());
  const std::vector<Settings> tables = result->GetTables("registers");
  REQUIRE(tables.size() == 1);
  CHECK(tables[0].GetInt("addr") == 3);
  CHECK(tables[0].GetString("order") == "cdab");

  // Its problems are placed at the line and named by field.
  const auto bad = ValidateSettingsText(testing::RegisterMapSchema(),
                                        "registers:\n"
                                        "  - \"channel=a addr=ten\"\n"
                                        "  - \"channel=b addr\"\n",
                                        "m.yaml");
  const std::string text = AllProblems(bad);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("m.yaml:2:5: settings.registers[0].addr: expected an integer, "
                                   "got \"ten\""));
  CHECK_THAT(text, Catch::Contains("m.yaml:3:5: settings.registers[1]: expected a mapping of "
                                   "channel, addr, order, scale; read as a one-line entry, "
                                   "\"addr\" is not field=value"));
}

TEST_CASE("Schemas with a list of tables are checked and described with their fields") {
  CHECK(CheckSettingsSchema(testing::RegisterMapSchema()).empty());
  SettingsSchema nested = testing::RegisterMapSchema();
  nested[1].fields.push_back(nested[1]);
  nested[1].fields.back().key = "inner";
  SettingsSchema bare = {testing::Spec("t", SettingType::kTableList, "", "No fields")};
  const std::string all = internal::Join(CheckSettingsSchema(nested), "\n") + "\n" +
                          internal::Join(CheckSettingsSchema(bare), "\n");
  CHECK_THAT(all, Catch::Contains("registers[].inner: a list of tables inside a table"));
  CHECK_THAT(all, Catch::Contains("t: a list of tables without fields"));

  const std::string table = DescribeSettings("modbus", testing::RegisterMapSchema());
  INFO(table);
  CHECK_THAT(table, Catch::Contains("| registers | list of tables | (required) | >= 1 tables |  | "
                                    "Register map |\n"
                                    "| registers[].channel | string | (required) |  |  | "
                                    "Reading channel |\n"));
  CHECK_THAT(table, Catch::Contains("| registers[].order | enum: abcd, cdab, badc, dcba | abcd "
                                    "|  |  | Byte order |\n"));
}

}  // namespace
}  // namespace cityedge::config
