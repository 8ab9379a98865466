// SPDX-License-Identifier: Apache-2.0
#include "poller.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::sdi12 {

Poller::Poller(std::vector<SensorSpec> map) : map_(std::move(map)), states_(map_.size()) {}

bool Poller::AllAnswered() const {
  return std::all_of(states_.begin(), states_.end(),
                     [](const SensorState& s) { return !s.failure && s.identification; });
}

bool Poller::Fail(std::size_t i, const Failure& failure, RoundResult& result) {
  if (failure.kind != Failure::Kind::kSensor) {
    result.aborted = failure;
    return false;
  }
  states_[i].failure = failure;
  states_[i].identification.reset();
  return true;
}

void Poller::Accept(std::size_t i, const std::vector<double>& raw, RoundResult& result) {
  const SensorSpec& sensor = map_[i];
  for (const ValueMapping& m : sensor.values) {
    if (m.index >= static_cast<int>(raw.size())) {
      states_[i].failure = Failure{Failure::Kind::kSensor, Fault::kWrongCount,
                                   fmt::format("{} returned {} values; value {} is mapped to {}",
                                               MeasureCommandText(sensor.address, sensor.command),
                                               raw.size(), m.index, m.channel)};
      return;
    }
  }
  for (const ValueMapping& m : sensor.values) {
    result.values.push_back({&m, raw[static_cast<std::size_t>(m.index)] * m.scale + m.offset});
  }
  states_[i].failure.reset();
}

RoundResult Poller::Round(Session& session, Clock& clock) {
  RoundResult result;
  std::vector<bool> ready(map_.size(), true);
  for (std::size_t i = 0; i < map_.size(); ++i) {
    if (states_[i].identification) continue;
    auto id = session.Identify(map_[i].address);
    if (!id) {
      if (!Fail(i, id.error(), result)) return result;
      ready[i] = false;
      continue;
    }
    states_[i].identification = std::move(*id);
  }
  struct Pending {
    std::size_t sensor;
    std::chrono::steady_clock::time_point due;
    int count;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < map_.size(); ++i) {
    if (!ready[i] || !map_[i].command.concurrent) continue;
    auto started = session.Start(map_[i].address, map_[i].command);
    if (!started) {
      if (!Fail(i, started.error(), result)) return result;
      continue;
    }
    pending.push_back({i, clock.Now() + std::chrono::seconds(started->seconds), started->count});
  }
  for (std::size_t i = 0; i < map_.size(); ++i) {
    if (!ready[i] || map_[i].command.concurrent) continue;
    auto values = session.Measure(map_[i].address, map_[i].command);
    if (!values) {
      if (!Fail(i, values.error(), result)) return result;
      continue;
    }
    Accept(i, *values, result);
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) { return a.due < b.due; });
  for (const Pending& p : pending) {
    const auto left = std::chrono::duration_cast<Micros>(p.due - clock.Now());
    if (left > Micros::zero() && clock.Wait(left)) {
      result.aborted = Failure{Failure::Kind::kStopped, Fault::kNoAnswer, "stopping"};
      return result;
    }
    const SensorSpec& sensor = map_[p.sensor];
    auto values = session.ReadData(sensor.address, sensor.command.crc, p.count);
    if (!values) {
      if (!Fail(p.sensor, values.error(), result)) return result;
      continue;
    }
    Accept(p.sensor, *values, result);
  }
  return result;
}

std::string Poller::Describe() const {
  std::vector<std::string> failing;
  std::vector<std::string> known;
  for (std::size_t i = 0; i < map_.size(); ++i) {
    const SensorState& s = states_[i];
    if (s.failure) {
      failing.push_back(fmt::format("sensor {}: {}", map_[i].address, s.failure->message));
    } else if (s.identification) {
      known.push_back(fmt::format("sensor {}: {}", map_[i].address, s.identification->Describe()));
    }
  }
  if (!failing.empty()) {
    return fmt::format("{} of {} sensors failing: {}", failing.size(), map_.size(),
                       fmt::join(failing, "; "));
  }
  return fmt::format("{}", fmt::join(known, "; "));
}

}  // namespace cityedge::drivers::sdi12
