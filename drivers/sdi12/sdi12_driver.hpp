// SPDX-License-Identifier: Apache-2.0
// The `sdi12` driver: the data recorder of an SDI-12 v1.4 bus (water level,
// rain and soil sensors, weather stations) behind a serial SDI-12 adapter.
// Several sensors share the bus, each at its own address; every
// `poll_interval` a round identifies new sensors (aI!), measures each with
// its command (aM!/aMC! with service requests, or aC!/aCC! concurrently),
// reads the values (aD0! ...) and emits the mapped ones, scaled, with units.
//
// Health: online while every sensor answers, the reason naming each sensor's
// vendor, model and version; degraded with each failing sensor and why (no
// answer, bad CRC, garbled answer, wrong count of values); offline when the
// serial device cannot be opened or goes away (the host then restarts the
// instance with backoff).
//
// A calibration read ("cityedge read") starts a round at once; it is refused
// with the reason while no sensor answers.
//
// THREADING: Run on the instance thread; Stop and ReadNow on host control
// threads.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "cityedge/driver.hpp"
#include "poller.hpp"
#include "serial_line.hpp"

namespace cityedge::drivers::sdi12 {

class Sdi12Driver final : public sdk::Driver {
 public:
  static constexpr const char* kName = "sdi12";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "SDI-12 v1.4 sensors (level, rain, weather) on a serial SDI-12 adapter";
  static constexpr bool kSupportsReadNow = true;

  static std::span<const ce_driver_setting_spec> Schema();
  static sdk::Result<std::unique_ptr<Sdi12Driver>> Create(const sdk::Settings& settings,
                                                          sdk::Host host);

  struct Options {
    std::string device;
    std::chrono::milliseconds poll_interval{60000};
    Micros response_timeout{100'000};
    std::vector<SensorSpec> sensors;
  };
  Sdi12Driver(sdk::Host host, Options options);

  sdk::Status Start() override;
  sdk::Status Run() override;
  void Stop() override { line_.Wake(); }
  sdk::Status ReadNow() override;

 private:
  void Emit(const RoundResult& round);
  void UpdateHealth();
  void Report(ce_driver_health state, const std::string& reason);
  void SetRefusal(std::string refusal);
  [[nodiscard]] std::string Summary(const SessionStats& s) const;

  Options options_;
  SerialLine line_;
  Poller poller_;
  ce_driver_health state_ = 0;
  std::string reason_;
  sdk::ReadRequest read_request_;
  std::mutex refusal_mu_;
  std::string refusal_;  // guarded by refusal_mu_; why a read cannot be answered, or empty
};

}  // namespace cityedge::drivers::sdi12
