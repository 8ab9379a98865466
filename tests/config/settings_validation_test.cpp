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

std::string AllWarnings(const std::vector<Problem>& warnings) { return FormatProblems(warnings); }

TEST_CASE("A typed list is validated item by item and read back as numbers") {
  std::vector<Problem> warnings;
  const auto result = ValidateSettingsText(testing::ZonesSchema(),
                                           "zones:\n"
                                           "  - name: north\n"
                                           "    polygon: [[0.05, 0.4], [0.5, 0.4], [0.5, 0.95]]\n"
                                           "    area: 120\n"
                                           "matrix:\n"
                                           "  - [0.25, 0, 2]\n"
                                           "  - [0, 0.25, 0]\n"
                                           "  - [0, 0, 1]\n"
                                           "levels: [0.5, 2, 4]\n",
                                           "z.yaml", &warnings);
  INFO(AllProblems(result));
  REQUIRE(result.has_value());
  CHECK(warnings.empty());
  const std::vector<Settings> zones = result->GetTables("zones");
  REQUIRE(zones.size() == 1);
  CHECK(zones[0].GetNumberLists("polygon") ==
        std::vector<std::vector<double>>{{0.05, 0.4}, {0.5, 0.4}, {0.5, 0.95}});
  CHECK(zones[0].GetDouble("area") == 120);
  CHECK(result->GetNumberLists("matrix") ==
        std::vector<std::vector<double>>{{0.25, 0, 2}, {0, 0.25, 0}, {0, 0, 1}});
  CHECK(result->GetNumbers("levels") == std::vector<double>{0.5, 2, 4});
  CHECK_FALSE(result->Has("old_levels"));

  // Defaults are typed lists too.
  const auto defaults = ValidateSettingsText(testing::ZonesSchema(), "");
  REQUIRE(defaults.has_value());
  CHECK(defaults->GetNumberLists("matrix") ==
        std::vector<std::vector<double>>{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  CHECK(defaults->GetTables("zones").empty());
}

TEST_CASE("Problems inside a typed list are named by their index, at their position") {
  const auto result = ValidateSettingsText(testing::ZonesSchema(),
                                           "zones:\n"
                                           "  - name: a\n"
                                           "    polygon: [[0.1, 0.1], [0.5, 1.5], [0.2x, 0.3]]\n"
                                           "  - {name: b, polygon: [[0, 0], [1, 1]]}\n"
                                           "  - {name: c, polygon: [[0, 0], [1], [1, 1, 1], 5]}\n"
                                           "  - {name: d, polygon: 5}\n"
                                           "matrix: [[1, 0, 0], [0, 1, 0]]\n"
                                           "levels: [1, -2, \"3\"]\n",
                                           "z.yaml");
  REQUIRE_FALSE(result.has_value());
  const std::string text = AllProblems(result);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("z.yaml:3:33: settings.zones[0].polygon[1][1]: must be between "
                                   "0 and 1, got 1.5"));
  CHECK_THAT(text, Catch::Contains("z.yaml:3:40: settings.zones[0].polygon[2][0]: expected a "
                                   "number, got \"0.2x\""));
  CHECK_THAT(text, Catch::Contains("z.yaml:4:24: settings.zones[1].polygon: must have at least 3 "
                                   "items, got 2"));
  CHECK_THAT(text,
             Catch::Contains("settings.zones[2].polygon[1]: must have exactly 2 items, got 1"));
  CHECK_THAT(text,
             Catch::Contains("settings.zones[2].polygon[2]: must have exactly 2 items, got 3"));
  CHECK_THAT(text, Catch::Contains("settings.zones[2].polygon[3]: expected [number, number], got a "
                                   "value"));
  CHECK_THAT(text, Catch::Contains("z.yaml:6:24: settings.zones[3].polygon: expected a list of "
                                   "[number, number], got a value"));
  CHECK_THAT(text,
             Catch::Contains("z.yaml:7:9: settings.matrix: must have exactly 3 items, got 2"));
  CHECK_THAT(text, Catch::Contains("z.yaml:8:13: settings.levels[1]: must be at least 0, got -2"));
  CHECK_THAT(text, Catch::Contains("z.yaml:8:17: settings.levels[2]: expected a number, got the "
                                   "quoted string \"3\" (remove the quotes)"));
  CHECK(result.error().size() == 10);
}

TEST_CASE("The flat form of a list of rows is read as its rows, with a warning") {
  std::vector<Problem> warnings;
  const auto flat = ValidateSettingsText(
      testing::ZonesSchema(), "matrix: [0.25, 0, 2, 0, 0.25, 0, 0, 0, 1]\n", "m.yaml", &warnings);
  INFO(AllProblems(flat));
  REQUIRE(flat.has_value());
  CHECK(flat->GetNumberLists("matrix") ==
        std::vector<std::vector<double>>{{0.25, 0, 2}, {0, 0.25, 0}, {0, 0, 1}});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].ToString() ==
        "m.yaml:1:9: settings.matrix: a flat list is deprecated and will be removed; write it as "
        "rows of 3: [[0.25, 0, 2], [0, 0.25, 0], [0, 0, 1]]");

  const auto short_flat =
      ValidateSettingsText(testing::ZonesSchema(), "matrix: [1, 0, 0, 0, 1, 0, 0, 0]\n", "m.yaml");
  CHECK(AllProblems(short_flat) ==
        "m.yaml:1:9: settings.matrix: expected a list of [number, number, number], got a value; "
        "read as the deprecated flat form it needs 9 numbers, got 8\n");
  // Its numbers are checked like the rows' are.
  const auto word =
      ValidateSettingsText(testing::ZonesSchema(), "matrix: [1, 0, 0, 0, 1, 0, 0, 0, x]\n");
  CHECK_THAT(AllProblems(word), Catch::Contains("settings.matrix[2][2]: expected a number"));
}

TEST_CASE("A line reader reads a pipeline's one-line form; its words are validated as fields") {
  std::vector<Problem> warnings;
  const auto result = ValidateSettingsText(testing::ZonesSchema(),
                                           "zones:\n"
                                           "  - \"north:0.05,0.4 0.5,0.4 0.5,0.95\"\n",
                                           "z.yaml", &warnings);
  INFO(AllProblems(result));
  REQUIRE(result.has_value());
  CHECK(result->GetTables("zones")[0].GetNumberLists("polygon").size() == 3);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].ToString() ==
        "z.yaml:2:5: settings.zones[0]: the one-line form is deprecated and will be removed; "
        "write the entry as a mapping: {name: north, polygon: [[0.05, 0.4], [0.5, 0.4], "
        "[0.5, 0.95]]}");

  const auto bad = ValidateSettingsText(testing::ZonesSchema(),
                                        "zones:\n"
                                        "  - \"north:0.05,0.4 0.5,1.4 0.5,0.95\"\n"
                                        "  - \"south 0,0\"\n",
                                        "z.yaml");
  const std::string text = AllProblems(bad);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("z.yaml:2:5: settings.zones[0].polygon[1][1]: must be between "
                                   "0 and 1, got 1.4"));
  CHECK_THAT(text, Catch::Contains("z.yaml:3:5: settings.zones[1]: expected a mapping of name, "
                                   "polygon, area; read as a one-line entry, no name"));
}

TEST_CASE("A unique field may not repeat across tables") {
  const auto result = ValidateSettingsText(testing::ZonesSchema(),
                                           "zones:\n"
                                           "  - {name: a, polygon: [[0, 0], [1, 0], [1, 1]]}\n"
                                           "  - {name: b, polygon: [[0, 0], [1, 0], [1, 1]]}\n"
                                           "  - {name: a, polygon: [[0, 0], [1, 0], [0, 1]]}\n",
                                           "z.yaml");
  CHECK(AllProblems(result) ==
        "z.yaml:4:12: settings.zones[2].name: \"a\" is already settings.zones[0].name; each "
        "table needs its own name\n");
}

TEST_CASE("A deprecated key is read with a warning, and refused beside its replacement") {
  std::vector<Problem> warnings;
  const auto result =
      ValidateSettingsText(testing::ZonesSchema(), "old_levels: [1, 2]\n", "d.yaml", &warnings);
  REQUIRE(result.has_value());
  CHECK(result->GetList("old_levels") == std::vector<std::string>{"1", "2"});
  CHECK(AllWarnings(warnings) ==
        "d.yaml:1:1: settings.old_levels: deprecated and will be removed; write levels\n");

  const auto both = ValidateSettingsText(testing::ZonesSchema(),
                                         "levels: [1, 2]\nold_levels: [1, 2]\n", "d.yaml");
  CHECK(AllProblems(both) ==
        "d.yaml:2:1: settings.old_levels: give either levels or its deprecated form old_levels, "
        "not both\n");
}

TEST_CASE("Schemas with typed lists are checked and described") {
  CHECK(CheckSettingsSchema(testing::ZonesSchema()).empty());
  SettingsSchema broken = testing::ZonesSchema();
  broken[1].item.front().item.front().type = SettingType::kTableList;  // matrix cells
  broken[2].accepts_flat = true;                                       // levels: numbers
  broken[3].default_text = "[1]";                                      // deprecated, defaulted
  broken[3].replaced_by = "nothing";
  broken[0].fields[1].item.front().default_text = "[0, 0]";
  broken.push_back(testing::Spec("flag", SettingType::kBool, "false", "Unique flag"));
  broken.back().unique = true;
  const std::string all = internal::Join(CheckSettingsSchema(broken), "\n");
  INFO(all);
  CHECK_THAT(all, Catch::Contains("matrix: item: a list of tables as a list item"));
  CHECK_THAT(all, Catch::Contains("levels: a flat form without a fixed-size list as item"));
  CHECK_THAT(all, Catch::Contains("old_levels: deprecated, yet required or with a default"));
  CHECK_THAT(all,
             Catch::Contains("old_levels: replaced_by needs a deprecated key and names a key"));
  CHECK_THAT(all, Catch::Contains("zones[].polygon: item: only a type, bounds and allowed values"));
  CHECK_THAT(all, Catch::Contains("flag: unique outside the fields of a list of tables"));

  const std::string table = DescribeSettings("zoned", testing::ZonesSchema());
  INFO(table);
  CHECK_THAT(table, Catch::Contains("| zones[].polygon | list of [number, number] | (required) | "
                                    ">= 3 items; values 0 .. 1 |  | Corners |\n"));
  CHECK_THAT(table, Catch::Contains("| matrix | list of [number, number, number] | [[1, 0, 0], "
                                    "[0, 1, 0], [0, 0, 1]] | exactly 3 items |  | 3x3 matrix |\n"));
  CHECK_THAT(table, Catch::Contains("| levels | list of number | [1, 2, 3] | values >= 0 |  | "
                                    "Thresholds |\n"));
  CHECK_THAT(table, Catch::Contains("| old_levels | list |  |  |  | Thresholds, as before "
                                    "(deprecated: write levels) |\n"));
}

}  // namespace
}  // namespace cityedge::config
