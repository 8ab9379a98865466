#include <catch2/catch.hpp>

#include "daemon/host/settings_bridge.hpp"
#include "tests/host/host_test_support.hpp"

namespace cityedge::host {
namespace {

using testing::Flag;
using testing::Number;
using testing::Text;

constexpr const char* kModes[] = {"csv", "jsonl", nullptr};
const ce_driver_setting_spec kSpecs[] = {
    {"path", CE_DRIVER_SETTING_STRING, 1, nullptr, 0, 0, 0, 0, nullptr, nullptr, "File"},
    {"format", CE_DRIVER_SETTING_ENUM, 0, "csv", 0, 0, 0, 0, kModes, nullptr, "Format"},
    {"rate", CE_DRIVER_SETTING_DOUBLE, 0, "1.0", 1, 1, 0, 10, nullptr, "x", "Speed"},
    {"period", CE_DRIVER_SETTING_DURATION, 0, "2s", 1, 0, 10, 0, nullptr, "ms", "Period"},
    {"loop", CE_DRIVER_SETTING_BOOL, 0, "false", 0, 0, 0, 0, nullptr, nullptr, "Loop"},
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

}  // namespace
}  // namespace cityedge::host
