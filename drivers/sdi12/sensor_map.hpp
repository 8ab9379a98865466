// Which sensors sit on the bus and how their values become readings.
//
// Settings (two lists until the SDK carries structured settings):
//   sensors: one entry per sensor,           "address=0 command=MC"
//   values:  one entry per value to report,  "address=0 index=1 channel=temp unit=degC
//                                              scale=0.1 offset=-40"
// `index` is the value's position in the sensor's answer (0 = first value of
// aD0!); reading = value * scale + offset. Every problem is reported at once,
// each naming its entry and key (`values[2].channel: ...`).
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

[[nodiscard]] sdk::Result<std::vector<SensorSpec>> ParseSensorMap(
    const std::vector<std::string>& sensors, const std::vector<std::string>& values);

// Checks a map however it was written: addresses valid and unique, every
// sensor with at least one value, indexes within what its command can
// return, channels valid and unique, scale and offset finite. Returns every
// problem, one per line.
[[nodiscard]] std::vector<std::string> CheckSensorMap(const std::vector<SensorSpec>& map);

}  // namespace cityedge::drivers::sdi12
