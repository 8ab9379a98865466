// The Modbus link as the poller sees it. libmodbus sits behind this interface
// (libmodbus_client.cpp is the only file that includes it), so the poller's
// reconnect and error handling can be tested without a device.
//
// Errors from Read carry a code that says what to do next:
//   kAborted           the device answered with a Modbus exception (the message
//                      names it, e.g. "ILLEGAL DATA ADDRESS"); the link is fine
//   kDeadlineExceeded  no answer within the response timeout
//   kDataLoss          an answer arrived but was malformed (CRC, length, slave)
//   kUnavailable       the link itself failed; reconnect
//
// THREADING: one thread uses a client; Interrupt() may come from another.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/status.hpp"
#include "drivers/modbus/register_map.hpp"

namespace cityedge::drivers::modbus {

// Name of a Modbus exception code as the specification spells it
// ("ILLEGAL FUNCTION" for 1, ...); "EXCEPTION <n>" for codes it does not define.
[[nodiscard]] std::string ExceptionName(int code);

class ModbusClient {
 public:
  virtual ~ModbusClient() = default;
  [[nodiscard]] virtual Status Connect() = 0;
  virtual void Close() = 0;
  [[nodiscard]] virtual bool connected() const = 0;
  // "tcp 10.0.0.5:502 slave 1", for messages.
  [[nodiscard]] virtual std::string Describe() const = 0;
  // Reads `count` registers (or bits, as 0/1) with the given function.
  [[nodiscard]] virtual Result<std::vector<std::uint16_t>> Read(Function function,
                                                                std::uint16_t address,
                                                                int count) = 0;
  // True when a timeout or malformed answer means the stream may be out of
  // step (TCP): the poller then reconnects rather than reading on.
  [[nodiscard]] virtual bool ResyncByReconnect() const = 0;
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
