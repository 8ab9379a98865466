// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "cityedge/driver.hpp"
#include "daemon/host/settings_bridge.hpp"
#include "tests/host/host_test_support.hpp"

namespace cityedge::host {
namespace {

using testing::Flag;
using testing::Number;
using testing::Text;

constexpr const char* kModes[] = {"csv", "jsonl", nullptr};
const ce_driver_setting_spec kSpecs[] = {
    {"path", CE_DRIVER_SETTING_STRING, 1, nullptr, 0, 0, 0, 0, nullptr, nullptr, "File", nullptr, 0,
     0},
    {"format", CE_DRIVER_SETTING_ENUM, 0, "csv", 0, 0, 0, 0, kModes, nullptr, "Format", nullptr, 0,
     0},
    {"rate", CE_DRIVER_SETTING_DOUBLE, 0, "1.0", 1, 1, 0, 10, nullptr, "x", "Speed", nullptr, 0, 0},
    {"period", CE_DRIVER_SETTING_DURATION, 0, "2s", 1, 0, 10, 0, nullptr, "ms", "Period", nullptr,
     0, 0},
    {"loop", CE_DRIVER_SETTING_BOOL, 0, "false", 0, 0, 0, 0, nullptr, nullptr, "Loop", nullptr, 0,
     0},
};

ce_driver_descriptor Descriptor(const ce_driver_setting_spec* specs, std::size_t count) {
  ce_driver_descriptor d{};
  d.struct_size = sizeof(d);
  d.settings = specs;
  d.settings_count = count;
  d.setting_spec_size = sizeof(ce_driver_setting_spec);
  return d;
}

config::SettingsSchema Schema() {
  auto schema = ConvertSchema(Descriptor(kSpecs, std::size(kSpecs)));
  REQUIRE(schema.has_value());
  return *schema;
}

TEST_CASE("A C schema converts to the daemon's settings table") {
  const config::SettingsSchema schema = Schema();
  REQUIRE(schema.size() == 5);
  CHECK(schema[0].required);
  CHECK(schema[1].allowed == std::vector<std::string>{"csv", "jsonl"});
  CHECK(schema[2].max == 10.0);
  CHECK_FALSE(schema[3].max.has_value());
  CHECK(schema[3].unit == "ms");
}

TEST_CASE("Malformed C schemas are refused") {
  const ce_driver_setting_spec twice[] = {kSpecs[0], kSpecs[0]};
  CHECK_THAT(ConvertSchema(Descriptor(twice, 2)).error().message(),
             Catch::Contains("declared twice"));
  ce_driver_setting_spec no_values = kSpecs[1];
  no_values.allowed = nullptr;
  CHECK_THAT(ConvertSchema(Descriptor(&no_values, 1)).error().message(),
             Catch::Contains("lists no allowed values"));
  ce_driver_setting_spec bad_type = kSpecs[0];
  bad_type.type = 99;
  CHECK_THAT(ConvertSchema(Descriptor(&bad_type, 1)).error().message(),
             Catch::Contains("unknown type 99"));
}

TEST_CASE("Settings become canonical text with defaults filled in") {
  google::protobuf::Map<std::string, v1::SettingValue> values;
  values["path"] = Text("/data/a.csv");
  values["period"] = Text("250ms");
  auto texts = CanonicalSettings(Schema(), values);
  REQUIRE(texts.has_value());
  const SettingTexts expected = {{"path", "/data/a.csv"},
                                 {"format", "csv"},
                                 {"rate", "1"},
                                 {"period", "250"},
                                 {"loop", "false"}};
  CHECK(*texts == expected);
}

TEST_CASE("Every settings problem is reported at once") {
  google::protobuf::Map<std::string, v1::SettingValue> values;
  values["format"] = Text("xml");
  values["rate"] = Number(50);
  values["loop"] = Text("yes");
  values["colour"] = Text("blue");
  auto texts = CanonicalSettings(Schema(), values);
  REQUIRE_FALSE(texts.has_value());
  const std::string message = texts.error().message();
  CHECK_THAT(message, Catch::Contains("unknown setting 'colour'; valid settings: path, format"));
  CHECK_THAT(message, Catch::Contains("setting 'path' is required"));
  CHECK_THAT(message, Catch::Contains("'xml' is not one of: csv, jsonl"));
  CHECK_THAT(message, Catch::Contains("50 is out of range: must be between 0 and 10"));
  CHECK_THAT(message, Catch::Contains("setting 'loop' (bool): expected true or false"));
  values.clear();
  values["path"] = Text("/x");
  values["loop"] = Flag(true);
  REQUIRE(CanonicalSettings(Schema(), values).has_value());
}

constexpr const char* kOrders[] = {"abcd", "cdab", nullptr};
constexpr ce_driver_setting_spec kRegisterFields[] = {
    sdk::Setting("channel", CE_DRIVER_SETTING_STRING, "Channel").Required(),
    sdk::Setting("addr", CE_DRIVER_SETTING_INT, "Address").Required().Min(0).Max(65535),
    sdk::Setting("order", CE_DRIVER_SETTING_ENUM, "Byte order").Default("abcd").Allowed(kOrders),
};
constexpr ce_driver_setting_spec kTableSpecs[] = {
    sdk::Setting("registers", CE_DRIVER_SETTING_TABLE_LIST, "Register map")
        .Required()
        .Min(1)
        .Fields(kRegisterFields)
        .AcceptsLines(),
};

v1::SettingValue Int(std::int64_t value) {
  v1::SettingValue v;
  v.set_int_value(value);
  return v;
}

v1::SettingValue Table(std::initializer_list<std::pair<const char*, v1::SettingValue>> fields) {
  v1::SettingValue table_list;
  auto* table = table_list.mutable_table_list_value()->add_tables();
  for (const auto& [key, value] : fields) (*table->mutable_values())[key] = value;
  return table_list;
}

TEST_CASE("A list of tables converts with its fields and arrives flattened") {
  auto schema = ConvertSchema(Descriptor(kTableSpecs, std::size(kTableSpecs)));
  REQUIRE(schema.has_value());
  REQUIRE(schema->size() == 1);
  CHECK((*schema)[0].type == config::SettingType::kTableList);
  CHECK((*schema)[0].accepts_lines);
  REQUIRE((*schema)[0].fields.size() == 3);
  CHECK((*schema)[0].fields[2].allowed == std::vector<std::string>{"abcd", "cdab"});

  google::protobuf::Map<std::string, v1::SettingValue> values;
  v1::SettingValue registers = Table({{"channel", Text("pm2_5")}, {"addr", Int(3)}});
  *registers.mutable_table_list_value()->add_tables() =
      Table({{"channel", Text("noise")}, {"addr", Int(0)}, {"order", Text("cdab")}})
          .table_list_value()
          .tables(0);
  values["registers"] = registers;
  auto texts = CanonicalSettings(*schema, values);
  REQUIRE(texts.has_value());
  const SettingTexts expected = {
      {"registers", "2"},
      {"registers[0].channel", "pm2_5"},
      {"registers[0].addr", "3"},
      {"registers[0].order", "abcd"},
      {"registers[1].channel", "noise"},
      {"registers[1].addr", "0"},
      {"registers[1].order", "cdab"},
  };
  CHECK(*texts == expected);

  // The SDK reads the flattened texts back as tables.
  const sdk::Settings settings(*texts);
  const std::vector<sdk::Settings> tables = settings.GetTables("registers");
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].GetString("channel") == "pm2_5");
  CHECK(tables[1].GetInt("addr") == 0);
  CHECK(tables[1].GetString("order") == "cdab");
  CHECK(sdk::Settings().GetTables("registers").empty());
}

TEST_CASE("Bad tables are named by their key path") {
  auto schema = ConvertSchema(Descriptor(kTableSpecs, std::size(kTableSpecs)));
  REQUIRE(schema.has_value());
  google::protobuf::Map<std::string, v1::SettingValue> values;
  values["registers"] = Table({{"addr", Int(70000)}, {"order", Text("dcba")}});
  const std::string message = CanonicalSettings(*schema, values).error().message();
  CHECK_THAT(message, Catch::Contains("setting 'registers[0].channel' is required"));
  CHECK_THAT(message, Catch::Contains("setting 'registers[0].addr' (integer): 70000 is out of "
                                      "range"));
  CHECK_THAT(message, Catch::Contains("setting 'registers[0].order' (enum): 'dcba' is not one of"));
  values["registers"].mutable_table_list_value()->clear_tables();
  CHECK_THAT(CanonicalSettings(*schema, values).error().message(),
             Catch::Contains("setting 'registers' (list of tables): 0 tables is out of range"));
}

TEST_CASE("A list of tables without fields or nested in a table is refused") {
  ce_driver_setting_spec bare = kTableSpecs[0];
  bare.fields = nullptr;
  bare.fields_count = 0;
  CHECK_THAT(ConvertSchema(Descriptor(&bare, 1)).error().message(),
             Catch::Contains("list of tables 'registers' declares no fields"));
  const ce_driver_setting_spec inner[] = {kRegisterFields[0], kTableSpecs[0]};
  ce_driver_setting_spec nested = kTableSpecs[0];
  nested.fields = inner;
  nested.fields_count = 2;
  CHECK_THAT(ConvertSchema(Descriptor(&nested, 1)).error().message(),
             Catch::Contains("nests a list of tables in a table"));
}

TEST_CASE("A setting table laid out as ABI 1.1 compiled it is read without the 1.2 fields") {
  // The 1.1 entry ends at `description`; whatever follows in memory is the
  // next entry, never fields or flags.
  struct SpecV11 {
    const char* key;
    ce_driver_setting_type type;
    uint32_t required;
    const char* default_text;
    uint32_t has_min;
    uint32_t has_max;
    double min;
    double max;
    const char* const* allowed;
    const char* unit;
    const char* description;
  };
  const SpecV11 old[] = {
      {"path", CE_DRIVER_SETTING_STRING, 1, nullptr, 0, 0, 0, 0, nullptr, nullptr, "File"},
      {"loop", CE_DRIVER_SETTING_BOOL, 0, "false", 0, 0, 0, 0, nullptr, nullptr, "Loop"},
  };
  ce_driver_descriptor d = Descriptor(nullptr, 2);
  d.settings = reinterpret_cast<const ce_driver_setting_spec*>(old);
  d.setting_spec_size = sizeof(SpecV11);
  auto schema = ConvertSchema(d);
  REQUIRE(schema.has_value());
  REQUIRE(schema->size() == 2);
  CHECK((*schema)[1].key == "loop");
  CHECK((*schema)[1].fields.empty());
}

}  // namespace
}  // namespace cityedge::host
