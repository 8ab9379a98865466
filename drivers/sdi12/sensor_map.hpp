// SPDX-License-Identifier: Apache-2.0
// Which sensors sit on the bus and how their values become readings.
//
// Settings: two lists of tables (the SDK's lists of tables are one level
// deep, so the value map is its own list, tied to a sensor by address):
//   sensors: one table per sensor,          {address: "0", command: MC}
//   values:  one table per reported value,  {address: "0", index: 1, channel: temp,
//                                            unit: degC, scale: 0.1, offset: -40}
// The daemon checks each field's type, range and enum with its key path;
// what spans fields or tables (an address used twice, a value for an unknown
// sensor, an index beyond what the command returns, duplicate channels) is
// checked here, every problem at once, each naming its entry and key
// (`values[2].channel: ...`).
//
// THREADING: plain data, immutable once parsed.
#pragma once

#include <string>
#include <vector>

#include "cityedge/driver.hpp"
#include "protocol.hpp"

namespace cityedge::drivers::sdi12 {

struct ValueMapping {
  int index = 0;
  std::string channel;
  std::string unit;
  double scale = 1.0;
  double offset = 0.0;
  std::string where;  // key path of the entry, for messages: "values[2]"
};

struct SensorSpec {
  char address = '0';
  MeasureCommand command;
  std::vector<ValueMapping> values;
  std::string where;  // "sensors[1]"
};

// Values one measurement command can return: up to 9 for aM!, 99 for aC!.
[[nodiscard]] int MaxValues(const MeasureCommand& command);

// `sensors` and `values` as sdk::Settings::GetTables gives them (fields
// checked and defaults filled by the daemon).
[[nodiscard]] sdk::Result<std::vector<SensorSpec>> ParseSensorTables(
    const std::vector<sdk::Settings>& sensors, const std::vector<sdk::Settings>& values);

// Checks a map however it was written: addresses valid and unique, every
// sensor with at least one value, indexes within what its command can
// return, channels valid and unique, scale and offset finite. Returns every
// problem, one per line.
[[nodiscard]] std::vector<std::string> CheckSensorMap(const std::vector<SensorSpec>& map);

}  // namespace cityedge::drivers::sdi12
