// SPDX-License-Identifier: Apache-2.0
// The SDI-12 data recorder's side of a transaction, over two small
// interfaces: the Line (the adapter boundary: break, write, read a line) and
// the Clock (time and interruptible waits). No timing lives in the Line, so
// tests drive every rule below with a simulated bus and a clock that only
// advances on demand, and never wait.
//
// Rules of SDI-12 v1.4 the session keeps:
//  - Break and marking: before a command the line is held spacing for at
//    least 12 ms (a break), then marking for at least 8.33 ms.
//  - Response time: a sensor starts answering within 15 ms of the end of the
//    command. The session waits the command's transmit time (8.33 ms per
//    character at 1200 baud, 7E1) plus `response_timeout`, which is the
//    spec's 15 ms plus what the serial adapter adds.
//  - Retries: with no valid answer the command is sent again, at least
//    16.67 ms after the previous one ended. A retry within 87 ms of the end of
//    the previous command needs no break (the sensor is still listening);
//    later ones are preceded by a break. Up to kTriesPerBreak sends follow
//    each break, and up to kBreaks breaks are issued per command: a sensor
//    that stays silent costs kBreaks * kTriesPerBreak sends.
//  - A bad CRC or a garbled answer is refused and retried like a missing
//    one; the reason of the last refusal is what the caller sees.
//  - aM!/aMC!: after "atttn" the session waits up to ttt seconds for the
//    sensor's service request ("a<CR><LF>"), then reads aD0!, aD1!, ...
//    until n values arrived. aC!/aCC! (concurrent): no service request; the
//    caller starts several sensors and reads each after its ttt seconds.
//
// THREADING: one thread; Line and Clock are used only from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/driver.hpp"
#include "protocol.hpp"

namespace cityedge::drivers::sdi12 {

using Millis = std::chrono::milliseconds;
using Micros = std::chrono::microseconds;

// The bus as the data recorder drives it through its adapter.
class Line {
 public:
  virtual ~Line() = default;
  // Starts (true) or ends (false) a break: the line held spacing.
  [[nodiscard]] virtual sdk::Status SetBreak(bool on) = 0;
  // Drops what arrived but was not read (a late answer to an earlier send).
  virtual void DiscardInput() = 0;
  [[nodiscard]] virtual sdk::Status Write(std::string_view text) = 0;
  // One line ending in <CR><LF>, returned without them; nullopt when no byte
  // arrived within `first_byte`, or the line did not end within `whole_line`
  // (both counted from the call). Errors mean the device is gone.
  [[nodiscard]] virtual sdk::Result<std::optional<std::string>> ReadLine(Micros first_byte,
                                                                         Micros whole_line) = 0;
};

// Time for the session. Wait returns true when the instance must stop (the
// wait then ends early); Stopping says so without waiting.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::steady_clock::time_point Now() = 0;
  [[nodiscard]] virtual bool Wait(Micros duration) = 0;
  [[nodiscard]] virtual bool Stopping() = 0;
};

// Spec timings (SDI-12 v1.4, section 7).
inline constexpr Micros kBreakTime{12'500};     // >= 12 ms
inline constexpr Micros kMarkingTime{9'000};    // >= 8.33 ms
inline constexpr Micros kCharTime{8'334};       // 10 bits at 1200 baud
inline constexpr Micros kRetryMinGap{16'670};   // >= 16.67 ms after a command
inline constexpr Micros kListenWindow{87'000};  // a retry after this needs a break
inline constexpr int kBreaks = 3;
inline constexpr int kTriesPerBreak = 3;
// The longest response: 75 characters of values, address, CRC, <CR><LF>.
inline constexpr int kLongestResponse = 81;
// Service requests are read in slices this long so a stop is seen in time.
inline constexpr Micros kWaitSlice{200'000};

// Why a transaction gave no result.
struct Failure {
  enum class Kind {
    kSensor,   // the sensor did not give a valid answer: `fault` says how
    kLink,     // the serial device failed; the port must be reopened
    kStopped,  // the instance is stopping
  };
  Kind kind = Kind::kSensor;
  Fault fault = Fault::kNoAnswer;
  std::string message;
};
template <typename T>
using Outcome = std::expected<T, Failure>;

struct SessionStats {
  std::uint64_t sends = 0;
  std::uint64_t retries = 0;
  std::uint64_t breaks = 0;
  std::uint64_t no_answer = 0;  // sends that got no complete line
  std::uint64_t bad_crc = 0;
  std::uint64_t garbage = 0;
  std::uint64_t service_requests = 0;
};

class Session {
 public:
  Session(Line& line, Clock& clock, Micros response_timeout)
      : line_(line), clock_(clock), response_timeout_(response_timeout) {}

  // aI!
  [[nodiscard]] Outcome<Identification> Identify(char address);
  // aM!/aMC!/aMn!: start, wait for the service request or the announced
  // time, then read every value.
  [[nodiscard]] Outcome<std::vector<double>> Measure(char address, const MeasureCommand& command);
  // aC!/aCC!/aCn!: start only; the caller waits `seconds` and calls ReadData.
  [[nodiscard]] Outcome<Announcement> Start(char address, const MeasureCommand& command);
  // aD0!, aD1!, ... until `count` values arrived (kWrongCount when a data
  // command returns none before that, or more arrive).
  [[nodiscard]] Outcome<std::vector<double>> ReadData(char address, bool crc, int count);

  [[nodiscard]] const SessionStats& stats() const { return stats_; }

 private:
  // Sends `command` under the retry rules until `accept` takes an answer's
  // body (the text after the address, CRC checked and removed).
  template <typename T, typename Accept>
  Outcome<T> Transact(char address, const std::string& command, bool crc, Accept&& accept);
  // Waits up to `limit` for the service request "a".
  [[nodiscard]] Outcome<bool> AwaitServiceRequest(char address, Micros limit);
  [[nodiscard]] sdk::Status SendBreak();

  Line& line_;
  Clock& clock_;
  Micros response_timeout_;
  std::optional<std::chrono::steady_clock::time_point> last_command_end_;
  SessionStats stats_;
};

}  // namespace cityedge::drivers::sdi12
