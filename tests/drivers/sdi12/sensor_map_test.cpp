// SPDX-License-Identifier: Apache-2.0
// The sensor list and value map: from YAML through the daemon's own
// validation (schema_check.hpp) to the driver's cross-table checks.
#include <catch2/catch.hpp>

#include "drivers/sdi12/sensor_map.hpp"
#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_sdi12(uint32_t, uint32_t);

namespace cityedge::drivers::sdi12 {
namespace {

using Table = std::vector<std::pair<std::string, std::string>>;

sdk::Settings T(Table fields) { return sdk::Settings(std::move(fields)); }

TEST_CASE("The sensor and value tables become sensors with their values") {
  auto map = ParseSensorTables(
      {T({{"address", "0"}, {"command", "MC"}}), T({{"address", "b"}, {"command", "CC2"}}),
       T({{"address", "3"}, {"command", "M"}})},
      {T({{"address", "0"},
          {"index", "0"},
          {"channel", "stage"},
          {"unit", "m"},
          {"scale", "0.001"},
          {"offset", "0"}}),
       T({{"address", "0"},
          {"index", "1"},
          {"channel", "water_temp"},
          {"unit", "degC"},
          {"scale", "1"},
          {"offset", "-40"}}),
       T({{"address", "b"}, {"index", "12"}, {"channel", "rain"}, {"unit", "mm"}}),
       T({{"address", "3"}, {"index", "0"}, {"channel", "battery"}})});
  REQUIRE(map.has_value());
  REQUIRE(map->size() == 3);
  const SensorSpec& first = (*map)[0];
  CHECK(first.address == '0');
  CHECK(first.command == MeasureCommand{false, true, 0});
  REQUIRE(first.values.size() == 2);
  CHECK(first.values[0].channel == "stage");
  CHECK(first.values[0].scale == 0.001);
  CHECK(first.values[1].offset == -40);
  CHECK((*map)[1].command == MeasureCommand{true, true, 2});
  CHECK((*map)[1].values[0].index == 12);
  CHECK((*map)[1].values[0].scale == 1);
  CHECK((*map)[2].values[0].unit.empty());
}

TEST_CASE("What spans tables is checked with key paths, every problem at once") {
  auto map = ParseSensorTables(
      {T({{"address", "0"}}), T({{"address", "0"}}), T({{"address", "1"}}), T({{"address", "??"}})},
      {T({{"address", "0"}, {"index", "9"}, {"channel", "a"}}),
       T({{"address", "0"}, {"index", "1"}, {"channel", "a"}}),
       T({{"address", "0"}, {"index", "0"}, {"channel", "bad/name"}}),
       T({{"address", "7"}, {"index", "0"}, {"channel", "b"}})});
  REQUIRE_FALSE(map.has_value());
  CHECK(map.error().code == CE_DRIVER_FATAL);
  const std::string& m = map.error().message;
  CHECK_THAT(m, Catch::Contains("sensors[3].address: \"??\" is not an SDI-12 address"));
  CHECK_THAT(m, Catch::Contains("values[3].address: no sensor in `sensors` has address '7'"));

  map = ParseSensorTables({T({{"address", "0"}}), T({{"address", "0"}}), T({{"address", "1"}})},
                          {T({{"address", "0"}, {"index", "9"}, {"channel", "a"}}),
                           T({{"address", "0"}, {"index", "1"}, {"channel", "a"}}),
                           T({{"address", "0"}, {"index", "0"}, {"channel", "bad/name"}})});
  REQUIRE_FALSE(map.has_value());
  const std::string& n = map.error().message;
  CHECK_THAT(n, Catch::Contains("sensors[1].address: '0' is already used by sensors[0]"));
  CHECK_THAT(n, Catch::Contains("sensors[2]: no values are mapped to channels for address '1'"));
  CHECK_THAT(n, Catch::Contains("values[0].index: 9 is beyond the 9 values 0M! can return"));
  CHECK_THAT(n, Catch::Contains("values[1].channel: \"a\" is already used by values[0]"));
  CHECK_THAT(n, Catch::Contains("values[2].channel: \"bad/name\" is not a channel name"));
}

TEST_CASE("The daemon checks each field with its key path; the driver checks the rest") {
  const ce_driver_descriptor* d = ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  REQUIRE(d != nullptr);
  auto checked = ::cityedge::testing::CheckSettingsText(*d, R"(
device: /dev/ttyUSB0
sensors:
  - {address: "0", command: MX}
  - {command: C}
values:
  - {address: "0", index: 120, channel: stage}
  - {address: "0", index: 0, channel: temp, scale: fast, color: red}
)");
  std::string all;
  for (const auto& p : checked.problems) all += p + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("settings.sensors[0].command") && Catch::Contains("MX"));
  CHECK_THAT(all, Catch::Contains("settings.sensors[1]: missing required setting \"address\""));
  CHECK_THAT(all, Catch::Contains("settings.values[0].index"));
  CHECK_THAT(all, Catch::Contains("settings.values[1].scale"));
  CHECK_THAT(all, Catch::Contains("settings.values[1].color"));

  checked = ::cityedge::testing::CheckSettingsText(*d, R"(
device: /dev/ttyUSB0
sensors: [{address: "0", command: M}, {address: "0", command: C}]
values: [{address: "0", index: 9, channel: stage}]
)");
  REQUIRE(checked.problems.empty());
  fakes::FakeDriverHost host;
  fakes::RunningInstance instance(d, host, checked.settings);
  const std::string error = instance.Create();
  CHECK_THAT(error,
             Catch::Contains("sensors[1].address: '0' is already used by sensors[0]") &&
                 Catch::Contains("values[0].index: 9 is beyond the 9 values 0M! can return"));
}

}  // namespace
}  // namespace cityedge::drivers::sdi12
