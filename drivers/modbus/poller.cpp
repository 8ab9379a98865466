// SPDX-License-Identifier: Apache-2.0
#include "poller.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace cityedge::drivers::modbus {

PollResult PollOnce(ModbusClient& client, const std::vector<RegisterSpec>& map) {
  PollResult result;
  for (const RegisterSpec& spec : map) {
    auto registers = client.Read(spec.function, spec.address, RegisterCount(spec.type));
    if (registers) {
      result.values.push_back({&spec, DecodeValue(*registers, spec)});
      continue;
    }
    sdk::Error error{registers.error().code,
                     fmt::format("channel {}: {}", spec.channel, registers.error().message)};
    if (!client.connected()) {
      result.link_error = std::move(error);
      break;
    }
    result.failures.push_back(std::move(error.message));
  }
  return result;
}

std::chrono::milliseconds Backoff::Next() {
  const auto now = next_.count() == 0 ? min_ : next_;
  next_ = std::min(now * 2, max_);
  return now;
}

}  // namespace cityedge::drivers::modbus
