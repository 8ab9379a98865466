// SPDX-License-Identifier: Apache-2.0
// A raw 8N1 serial port opened with termios, read with a timeout.
//
// OWNERSHIP: owns its file descriptor; closes it on destruction.
// THREADING: one thread reads; Close() must not race with Read().
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "cityedge/driver.hpp"

namespace cityedge::drivers::pms5003 {

// Baud rates the port accepts; anything else is a settings error.
[[nodiscard]] bool IsSupportedBaud(std::int64_t baud);

class SerialPort {
 public:
  SerialPort() = default;
  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  // Opens `path` raw, 8 data bits, no parity, 1 stop bit, no flow control.
  // Works on ttys and pseudo-terminals alike. Fatal for a baud rate the port
  // does not accept or a path that is not a serial device, Retry otherwise
  // (missing, no permission, cannot be configured).
  [[nodiscard]] sdk::Status Open(const std::string& path, std::int64_t baud);
  void Close();
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

  // Waits up to `timeout` for bytes and reads what is there into `buffer`.
  // Returns 0 on timeout; a Retry error when the device went away (unplugged
  // USB adapter, closed pty), after which the port must be reopened.
  [[nodiscard]] sdk::Result<std::size_t> Read(std::span<std::uint8_t> buffer,
                                              std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace cityedge::drivers::pms5003
