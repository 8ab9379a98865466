// SPDX-License-Identifier: Apache-2.0
// One polling round over the register map, and the reconnect backoff.
// Pure logic over a ModbusClient: no sleeping, no host calls, so tests drive
// it with a fake client.
//
// THREADING: not thread-safe; used by the driver's acquisition thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/driver.hpp"
#include "modbus_client.hpp"
#include "register_map.hpp"

namespace cityedge::drivers::modbus {

struct ChannelValue {
  const RegisterSpec* spec = nullptr;  // points into the map passed to PollOnce
  double value = 0;
};

struct PollResult {
  std::vector<ChannelValue> values;
  // Entries that failed while the link stayed usable (exceptions, an RTU
  // device that did not answer), one message each.
  std::vector<std::string> failures;
  // Set when a failure closed the link, which must be re-established; the
  // round stopped there.
  std::optional<sdk::Error> link_error;
};

// Reads every entry once, one request per entry so that one bad address
// (ILLEGAL DATA ADDRESS) costs only its own channel.
[[nodiscard]] PollResult PollOnce(ModbusClient& client, const std::vector<RegisterSpec>& map);

// Doubling delay between reconnect attempts, from `min` up to `max`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max) {}
  // The delay to wait now; the following call returns twice as much.
  [[nodiscard]] std::chrono::milliseconds Next();
  void Reset() { next_ = {}; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_{};
};

}  // namespace cityedge::drivers::modbus
