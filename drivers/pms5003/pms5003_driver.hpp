// SPDX-License-Identifier: Apache-2.0
// The `pms5003` driver: reads a Plantower PMS5003 particulate sensor on a
// serial port (active mode, 9600 8N1) and emits pm1_0, pm2_5 and pm10 in
// ug/m3 and, optionally, the six particle counts per 0.1 L.
//
// Health: online while good frames arrive; degraded when no good frame came
// within `read_timeout`, saying whether the line was silent or carried only
// garbage; offline when the device goes away (the host then restarts the
// instance with backoff).
//
// A calibration read ("cityedge read") is answered by the next frame: the
// sensor sends one every 1 to 2.3 s. While no good frame arrives, the read is
// refused with the reason the health report gives.
//
// THREADING: Run on the instance thread; reads wake at least every 250 ms to
// notice a stop request. ReadNow on a host control thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "cityedge/driver.hpp"
#include "frame_decoder.hpp"
#include "serial_port.hpp"

namespace cityedge::drivers::pms5003 {

class Pms5003Driver final : public sdk::Driver {
 public:
  static constexpr const char* kName = "pms5003";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Plantower PMS5003 particulate sensor on a serial port (UART frame protocol)";
  static constexpr bool kSupportsReadNow = true;

  static std::span<const ce_driver_setting_spec> Schema();
  static sdk::Result<std::unique_ptr<Pms5003Driver>> Create(const sdk::Settings& settings,
                                                            sdk::Host host);

  struct Options {
    std::string device;
    std::int64_t baud = 9600;
    bool atmospheric = true;  // which mass concentrations to emit
    bool counts = true;
    std::chrono::milliseconds read_timeout{5000};
  };
  Pms5003Driver(sdk::Host host, Options options) : Driver(host), options_(std::move(options)) {}

  sdk::Status Start() override;
  sdk::Status Run() override;
  sdk::Status ReadNow() override;

 private:
  void Emit(const Measurement& m);
  // Degraded when no good frame arrived within read_timeout, online otherwise.
  void UpdateHealth(std::chrono::steady_clock::time_point now);
  void Report(ce_driver_health state, const std::string& reason);
  [[nodiscard]] std::string Summary() const;

  Options options_;
  SerialPort port_;
  FrameDecoder decoder_;
  std::chrono::steady_clock::time_point last_frame_;
  std::uint64_t bytes_since_frame_ = 0;
  ce_driver_health state_ = 0;
  std::mutex silence_mu_;
  std::string silence_;  // guarded by silence_mu_; why no frame comes, or empty
};

}  // namespace cityedge::drivers::pms5003
