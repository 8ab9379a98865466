// SPDX-License-Identifier: Apache-2.0
// The SDI-12 bus through a serial port: a UART wired to the bus through an
// SDI-12 level shifter / half-duplex transceiver (or a USB serial adapter of
// that kind), run at 1200 baud, 7 data bits, even parity, 1 stop bit.
//
// Break: TIOCSBRK / TIOCCBRK hold the line spacing for as long as the
// session's clock says (>= 12 ms). A pseudo-terminal accepts both and sends
// nothing, since a pty has no line to hold: the simulator in the tests
// therefore treats every command as coming after a break. Linux also keeps a
// pty at 8 data bits without parity whatever is asked, so on a pty the 7E1
// setting shows only in what a real UART would do. The timing rules live in
// Session, not here.
//
// OWNERSHIP: owns the file descriptor and a wake-up eventfd.
// THREADING: one thread uses the line; Wake() may come from any thread and
// makes a pending ReadLine return at once.
#pragma once

#include <string>

#include "session.hpp"

namespace cityedge::drivers::sdi12 {

class SerialLine final : public Line {
 public:
  SerialLine();
  ~SerialLine() override;
  SerialLine(const SerialLine&) = delete;
  SerialLine& operator=(const SerialLine&) = delete;

  // Fatal when `path` is not a serial device, Retry when it is missing or
  // cannot be configured (unplugged adapter, permissions).
  [[nodiscard]] sdk::Status Open(const std::string& path);
  void Close();
  // Ends a pending or the next ReadLine with a Retry error ("woken").
  void Wake();

  [[nodiscard]] sdk::Status SetBreak(bool on) override;
  void DiscardInput() override;
  [[nodiscard]] sdk::Status Write(std::string_view text) override;
  [[nodiscard]] sdk::Result<std::optional<std::string>> ReadLine(Micros first_byte,
                                                                 Micros whole_line) override;

 private:
  int fd_ = -1;
  int wake_fd_ = -1;
  std::string path_;
  std::string pending_;  // bytes read past the end of the last line
};

}  // namespace cityedge::drivers::sdi12
