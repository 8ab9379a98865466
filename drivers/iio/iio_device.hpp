// SPDX-License-Identifier: Apache-2.0
// Reading Linux Industrial I/O devices through sysfs
// (Documentation/ABI/testing/sysfs-bus-iio).
//
// A channel is read from `in_<type>_input` when the kernel driver provides a
// processed value, otherwise from `in_<type>_raw` as (raw + offset) * scale,
// with `_offset` defaulting to 0 and `_scale` to 1 when absent. Either way the
// result is in the ABI's unit for that type (milli degrees Celsius, kPa,
// milli percent relative humidity, ohms), which ChannelKind converts to the
// reading's unit.
//
// THREADING: pure functions over the filesystem; safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/driver.hpp"

namespace cityedge::drivers::iio {

// A channel type this driver knows, and how it becomes a reading.
struct ChannelKind {
  std::string_view iio_type;  // "temp" -> in_temp_input
  const char* channel;        // reading channel, e.g. "temperature"
  const char* unit;           // reading unit, e.g. "degC"
  double factor;              // reading = ABI value * factor
};

[[nodiscard]] std::span<const ChannelKind> ChannelKinds();
[[nodiscard]] const ChannelKind* FindChannelKind(std::string_view iio_type);
// "temp, humidityrelative, ..." for messages.
[[nodiscard]] std::string ChannelKindNames();

// Finds the device directory under `root` (normally /sys/bus/iio/devices).
// `device` is a directory name ("iio:device0"), an index ("0"), or the
// content of the device's `name` file ("bme280"). A miss is a Retry error (a
// kernel module may load late) that lists what exists.
[[nodiscard]] sdk::Result<std::string> FindDevice(const std::string& root,
                                                  const std::string& device);

// Reads one channel in the ABI's unit. Fatal when the device has neither file
// (it does not offer that channel), Retry when a file cannot be read or holds
// something that is not a number.
[[nodiscard]] sdk::Result<double> ReadChannel(const std::string& device_dir,
                                              std::string_view iio_type);

// The known channel types the device offers (an _input or _raw file exists).
[[nodiscard]] std::vector<const ChannelKind*> AvailableChannels(const std::string& device_dir);

}  // namespace cityedge::drivers::iio
