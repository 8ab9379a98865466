// SPDX-License-Identifier: Apache-2.0
#include "session.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cityedge::drivers::sdi12 {
namespace {

using Clock_ = std::chrono::steady_clock;

std::unexpected<Failure> Stopped() {
  return std::unexpected(Failure{Failure::Kind::kStopped, Fault::kNoAnswer, "stopping"});
}

std::unexpected<Failure> LinkFailure(const sdk::Error& error) {
  return std::unexpected(Failure{Failure::Kind::kLink, Fault::kNoAnswer, error.message});
}

std::unexpected<Failure> SensorFailure(Fault fault, std::string message) {
  return std::unexpected(Failure{Failure::Kind::kSensor, fault, std::move(message)});
}

Micros TransmitTime(std::size_t chars) { return kCharTime * static_cast<int>(chars); }

}  // namespace

sdk::Status Session::SendBreak() {
  if (auto on = line_.SetBreak(true); !on) return on;
  ++stats_.breaks;
  const bool stop = clock_.Wait(kBreakTime);
  if (auto off = line_.SetBreak(false); !off) return off;
  if (stop || clock_.Wait(kMarkingTime)) return sdk::Retry("stopping");
  return {};
}

template <typename T, typename Accept>
Outcome<T> Session::Transact(char address, const std::string& command, bool crc, Accept&& accept) {
  const Micros first_byte = TransmitTime(command.size()) + response_timeout_;
  const Micros whole_line = first_byte + TransmitTime(kLongestResponse);
  ParseError last{Fault::kNoAnswer, ""};
  int since_break = kTriesPerBreak;  // the first send of a command may need one
  for (int send = 0; send < kBreaks * kTriesPerBreak; ++send) {
    if (clock_.Stopping()) return Stopped();
    if (last_command_end_) {
      // A retry, or a new command right after the last: keep the gap.
      const auto gap = std::chrono::duration_cast<Micros>(clock_.Now() - *last_command_end_);
      if (gap < kRetryMinGap && clock_.Wait(kRetryMinGap - gap)) return Stopped();
    }
    const bool listening = last_command_end_ && clock_.Now() - *last_command_end_ <= kListenWindow;
    if (!listening || since_break >= kTriesPerBreak) {
      if (auto sent = SendBreak(); !sent) {
        return clock_.Stopping() ? Stopped() : LinkFailure(sent.error());
      }
      since_break = 0;
    }
    line_.DiscardInput();
    if (auto written = line_.Write(command); !written) return LinkFailure(written.error());
    ++stats_.sends;
    if (send > 0) ++stats_.retries;
    ++since_break;
    last_command_end_ = clock_.Now() + TransmitTime(command.size());
    auto line = line_.ReadLine(first_byte, whole_line);
    if (!line) return LinkFailure(line.error());
    if (!*line) {
      ++stats_.no_answer;
      last = {Fault::kNoAnswer, ""};
      continue;
    }
    std::string_view text = **line;
    // Some adapters echo what they send on the half-duplex bus.
    if (text.starts_with(command)) text.remove_prefix(command.size());
    last_command_end_ = clock_.Now();
    auto body = CheckResponse(text, address, crc);
    if (body) {
      Parsed<T> accepted = accept(*body);
      if (accepted) return std::move(*accepted);
      last = accepted.error();
    } else {
      last = body.error();
    }
    (last.fault == Fault::kBadCrc ? stats_.bad_crc : stats_.garbage) += 1;
  }
  const int sends = kBreaks * kTriesPerBreak;
  if (last.fault == Fault::kNoAnswer) {
    return SensorFailure(Fault::kNoAnswer,
                         fmt::format("no answer to {} after {} sends", command, sends));
  }
  return SensorFailure(last.fault, fmt::format("{} to {} after {} sends: {}", FaultName(last.fault),
                                               command, sends, last.message));
}

Outcome<Identification> Session::Identify(char address) {
  return Transact<Identification>(address, IdentifyCommand(address), false,
                                  [](std::string_view body) { return ParseIdentification(body); });
}

Outcome<Announcement> Session::Start(char address, const MeasureCommand& command) {
  return Transact<Announcement>(
      address, MeasureCommandText(address, command), false,
      [&](std::string_view body) { return ParseAnnouncement(body, command.concurrent); });
}

Outcome<bool> Session::AwaitServiceRequest(char address, Micros limit) {
  const auto until = clock_.Now() + limit;
  while (true) {
    const auto left = std::chrono::duration_cast<Micros>(until - clock_.Now());
    if (left <= Micros::zero()) return false;
    if (clock_.Stopping()) return Stopped();
    const Micros slice = std::min(left, kWaitSlice);
    auto line = line_.ReadLine(slice, slice);
    if (!line) return LinkFailure(line.error());
    // Anything but the bare address (noise, a late answer) is not the request.
    if (*line && **line == std::string(1, address)) {
      ++stats_.service_requests;
      last_command_end_ = clock_.Now();
      return true;
    }
  }
}

Outcome<std::vector<double>> Session::Measure(char address, const MeasureCommand& command) {
  auto announced = Start(address, command);
  if (!announced) return std::unexpected(announced.error());
  if (announced->count == 0) return std::vector<double>{};
  if (announced->seconds > 0) {
    const Micros limit = std::chrono::seconds(announced->seconds);
    if (command.concurrent) {
      if (clock_.Wait(limit)) return Stopped();
    } else if (auto served = AwaitServiceRequest(address, limit); !served) {
      return std::unexpected(served.error());
    }
  }
  return ReadData(address, command.crc, announced->count);
}

Outcome<std::vector<double>> Session::ReadData(char address, bool crc, int count) {
  std::vector<double> values;
  for (int index = 0; index <= 9 && static_cast<int>(values.size()) < count; ++index) {
    auto part =
        Transact<std::vector<double>>(address, DataCommand(address, index), crc,
                                      [](std::string_view body) { return ParseValues(body); });
    if (!part) return std::unexpected(part.error());
    if (part->empty()) break;
    values.insert(values.end(), part->begin(), part->end());
  }
  if (static_cast<int>(values.size()) != count) {
    return SensorFailure(Fault::kWrongCount,
                         fmt::format("{} values announced, {} received", count, values.size()));
  }
  return values;
}

}  // namespace cityedge::drivers::sdi12
