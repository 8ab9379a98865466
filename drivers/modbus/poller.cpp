#include "drivers/modbus/poller.hpp"

#include <algorithm>

namespace cityedge::drivers::modbus {
namespace {

bool BreaksLink(const Error& error, const ModbusClient& client) {
  if (error.code() == Code::kUnavailable) return true;
  // Over TCP a late or garbled answer can arrive in place of the next one;
  // a fresh connection is the only way to be sure replies match requests.
  const bool stream_doubt =
      error.code() == Code::kDeadlineExceeded || error.code() == Code::kDataLoss;
  return stream_doubt && client.ResyncByReconnect();
}

}  // namespace

PollResult PollOnce(ModbusClient& client, const std::vector<RegisterSpec>& map) {
  PollResult result;
  for (const RegisterSpec& spec : map) {
    auto registers = client.Read(spec.function, spec.address, RegisterCount(spec.type));
    if (registers) {
      result.values.push_back({&spec, DecodeValue(*registers, spec)});
      continue;
    }
    const Error error = registers.error().Wrap(fmt::format("channel {}", spec.channel));
    if (BreaksLink(registers.error(), client)) {
      result.link_error = error;
      break;
    }
    result.failures.push_back(error.message());
  }
  return result;
}

std::chrono::milliseconds Backoff::Next() {
  const auto now = next_.count() == 0 ? min_ : next_;
  next_ = std::min(now * 2, max_);
  return now;
}

}  // namespace cityedge::drivers::modbus
