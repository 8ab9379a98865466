// SPDX-License-Identifier: Apache-2.0
// The `modbus` driver: polls a register map over Modbus TCP or RTU and emits
// one reading per entry, scaled and with its unit.
//
// Health: online while every entry reads; degraded with the failing entries
// named (Modbus exceptions by name) or, when the link is down, with the
// connection error and the next retry. The link is re-established inside the
// driver with a doubling backoff, so a server restart shows as degraded then
// online rather than as a driver restart.
//
// A calibration read ("cityedge read") runs a polling round at once; while the
// link is down it also tries to reconnect at once, and says the link is down.
//
// THREADING: Run on the instance thread; ReadNow from a host control thread.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "cityedge/driver.hpp"
#include "modbus_client.hpp"
#include "poller.hpp"
#include "register_map.hpp"

namespace cityedge::drivers::modbus {

class ModbusDriver final : public sdk::Driver {
 public:
  static constexpr const char* kName = "modbus";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Modbus TCP or RTU (RS-485) register polling with a register map (libmodbus)";
  static constexpr bool kSupportsReadNow = true;

  static std::span<const ce_driver_setting_spec> Schema();
  static sdk::Result<std::unique_ptr<ModbusDriver>> Create(const sdk::Settings& settings,
                                                           sdk::Host host);

  sdk::Status Run() override;
  sdk::Status ReadNow() override;

  struct Options {
    LinkParams link;
    std::vector<RegisterSpec> map;
    std::chrono::milliseconds poll_interval{10000};
    std::chrono::milliseconds reconnect_min{1000};
    std::chrono::milliseconds reconnect_max{60000};
  };
  ModbusDriver(sdk::Host host, Options options, std::unique_ptr<ModbusClient> client);

 private:
  // One round: connect if needed, poll, emit, report. Returns how long to wait.
  std::chrono::milliseconds Cycle();
  void Report(ce_driver_health state, const std::string& reason);
  void Emit(const PollResult& result);
  void SetLinkError(std::string error);

  Options options_;
  std::unique_ptr<ModbusClient> client_;
  Backoff backoff_;
  ce_driver_health last_state_ = 0;
  std::string last_reason_;
  sdk::ReadRequest read_request_;
  std::mutex link_mu_;
  std::string link_error_;  // guarded by link_mu_; empty while connected
};

}  // namespace cityedge::drivers::modbus
