// SPDX-License-Identifier: Apache-2.0
// The Modbus link as the poller sees it. libmodbus sits behind this interface
// (libmodbus_client.cpp is the only file that includes it), so the poller's
// reconnect and error handling can be tested without a device.
//
// A failed Read says what went wrong (a Modbus exception by name, e.g.
// "ILLEGAL DATA ADDRESS") and leaves the link as the failure leaves it:
//   - still connected when only that request failed: the device answered with
//     an exception, or an RTU device did not answer or answered garbled;
//   - closed (connected() turns false) when the link itself failed, or when a
//     TCP answer was late or garbled: it could arrive in place of the next
//     one, and only a fresh connection makes sure replies match requests.
//
// THREADING: one thread uses a client; Interrupt() may come from another.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/driver.hpp"
#include "register_map.hpp"

namespace cityedge::drivers::modbus {

// Name of a Modbus exception code as the specification spells it
// ("ILLEGAL FUNCTION" for 1, ...); "EXCEPTION <n>" for codes it does not define.
[[nodiscard]] std::string ExceptionName(int code);

class ModbusClient {
 public:
  virtual ~ModbusClient() = default;
  [[nodiscard]] virtual sdk::Status Connect() = 0;
  virtual void Close() = 0;
  [[nodiscard]] virtual bool connected() const = 0;
  // "tcp 10.0.0.5:502 slave 1", for messages.
  [[nodiscard]] virtual std::string Describe() const = 0;
  // Reads `count` registers (or bits, as 0/1) with the given function.
  [[nodiscard]] virtual sdk::Result<std::vector<std::uint16_t>> Read(Function function,
                                                                     std::uint16_t address,
                                                                     int count) = 0;
};

struct TcpParams {
  std::string host;
  int port = 502;
};

struct RtuParams {
  std::string device;
  int baud = 9600;
  char parity = 'N';  // 'N', 'E' or 'O'
  int data_bits = 8;
  int stop_bits = 1;
};

struct LinkParams {
  bool tcp = true;
  TcpParams tcp_params;
  RtuParams rtu_params;
  int slave_id = 1;
  std::chrono::milliseconds response_timeout{500};
};

// A client backed by libmodbus. Connect() may be called again after Close().
[[nodiscard]] std::unique_ptr<ModbusClient> MakeLibmodbusClient(const LinkParams& params);

}  // namespace cityedge::drivers::modbus
