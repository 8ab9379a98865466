// SPDX-License-Identifier: Apache-2.0
// The `iio` driver: polls a Linux Industrial I/O sensor (BME280/BME680 class)
// through sysfs and emits temperature (degC), humidity (%RH), pressure (hPa)
// and gas_resistance (ohm).
//
// Health: online when every channel reads; degraded with each failing channel
// and its file named; a device that cannot be found fails start with the list
// of devices that exist (the host retries with backoff, so a sensor whose
// module loads late still comes up).
//
// A calibration read ("cityedge read") runs a polling round at once.
//
// THREADING: Run on the instance thread; it sleeps through the host, so a
// stop request wakes it at once. ReadNow on a host control thread.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cityedge/driver.hpp"
#include "iio_device.hpp"

namespace cityedge::drivers::iio {

class IioDriver final : public sdk::Driver {
 public:
  static constexpr const char* kName = "iio";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Linux Industrial I/O sysfs sensors (BME280/BME680: temperature, humidity, pressure, gas)";
  static constexpr bool kSupportsReadNow = true;

  static std::span<const ce_driver_setting_spec> Schema();
  static sdk::Result<std::unique_ptr<IioDriver>> Create(const sdk::Settings& settings,
                                                        sdk::Host host);

  struct Options {
    std::string root;
    std::string device;
    std::vector<const ChannelKind*> channels;  // empty: every channel the device has
    std::chrono::milliseconds poll_interval{10000};
  };
  IioDriver(sdk::Host host, Options options) : Driver(host), options_(std::move(options)) {}

  sdk::Status Start() override;
  sdk::Status Run() override;
  sdk::Status ReadNow() override {
    read_request_.Ask();
    return {};
  }

 private:
  void PollOnce();
  void Report(ce_driver_health state, const std::string& reason);

  Options options_;
  std::string device_dir_;
  std::vector<const ChannelKind*> channels_;
  ce_driver_health last_state_ = 0;
  std::string last_reason_;
  sdk::ReadRequest read_request_;
};

}  // namespace cityedge::drivers::iio
