#include <catch2/catch.hpp>

#include "drivers/sdi12/sensor_map.hpp"

namespace cityedge::drivers::sdi12 {
namespace {

TEST_CASE("The sensor list and value map parse into sensors with their values") {
  auto map = ParseSensorMap(
      {"address=0 command=MC", "address=b command=CC2", "address=3"},
      {"address=0 index=0 channel=stage unit=m scale=0.001",
       "address=0 index=1 channel=water_temp unit=degC offset=-40",
       "address=b index=12 channel=rain unit=mm", "address=3 index=0 channel=battery unit=V"});
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
  CHECK((*map)[2].command == MeasureCommand{});  // M by default
}

TEST_CASE("Every problem of the map is reported at once with its key path") {
  auto map = ParseSensorMap(
      {"address=0 command=MX", "address=0", "address=? command=C", "addr=4", "address=5 color=red"},
      {"address=0 index=9 channel=a", "address=0 index=1 channel=a scale=fast",
       "address=7 index=0 channel=b", "address=0 channel=c", "address=0 index=0 channel=bad name"});
  REQUIRE_FALSE(map.has_value());
  const std::string& m = map.error().message;
  CHECK(map.error().code == CE_DRIVER_FATAL);
  CHECK_THAT(m, Catch::Contains("sensors[0].command: \"MX\" is not a measurement command"));
  CHECK_THAT(m, Catch::Contains("sensors[2].address: \"?\" is not an SDI-12 address"));
  CHECK_THAT(m, Catch::Contains("sensors[3].addr: unknown key; valid keys are address, command"));
  CHECK_THAT(m, Catch::Contains("sensors[3].address: required"));
  CHECK_THAT(m, Catch::Contains("sensors[4].color: unknown key"));
  CHECK_THAT(m, Catch::Contains("values[1].scale: \"fast\" is not a finite number"));
  CHECK_THAT(m, Catch::Contains("values[2].address: no sensor in `sensors` has address '7'"));
  CHECK_THAT(m, Catch::Contains("values[3].index: required"));
}

TEST_CASE("The map's consistency is checked: addresses, indexes, channels") {
  auto map = ParseSensorMap({"address=0", "address=0", "address=1"},
                            {"address=0 index=9 channel=a", "address=0 index=1 channel=a",
                             "address=0 index=0 channel=bad/name"});
  REQUIRE_FALSE(map.has_value());
  const std::string& m = map.error().message;
  CHECK_THAT(m, Catch::Contains("sensors[1].address: '0' is already used by sensors[0]"));
  CHECK_THAT(m, Catch::Contains("sensors[2]: no values are mapped to channels for address '1'"));
  CHECK_THAT(m, Catch::Contains("values[0].index: 9 is beyond the 9 values 0M! can return"));
  CHECK_THAT(m, Catch::Contains("values[1].channel: \"a\" is already used by values[0]"));
  CHECK_THAT(m, Catch::Contains("values[2].channel: \"bad/name\" is not a channel name"));
  CHECK_THAT(ParseSensorMap({}, {}).error().message,
             Catch::Contains("sensors: at least one sensor is required"));
}

}  // namespace
}  // namespace cityedge::drivers::sdi12
