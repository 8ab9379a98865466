// SPDX-License-Identifier: Apache-2.0
// One measuring round over every sensor on the bus, and what the driver
// knows of each sensor between rounds.
//
// A round identifies sensors not yet identified (aI!), starts every
// concurrent sensor (aC!/aCC!), measures the others one after the other
// (aM!/aMC!, which hold the bus until their data are read), and then
// collects the concurrent ones, each once its announced time has passed. So
// sensors with long measurements overlap instead of adding up.
//
// A sensor that fails (no answer, bad CRC, garbled answer, wrong count of
// values) costs only itself: the others are read in the same round. It is
// identified again once it answers, since it may have been replaced.
//
// THREADING: one thread, the driver's acquisition thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "sensor_map.hpp"
#include "session.hpp"

namespace cityedge::drivers::sdi12 {

struct ChannelValue {
  const ValueMapping* mapping = nullptr;  // points into the poller's map
  double value = 0;                       // scaled: raw * scale + offset
};

struct SensorState {
  std::optional<Identification> identification;
  std::optional<Failure> failure;  // of the last round; nullopt when it answered
};

struct RoundResult {
  std::vector<ChannelValue> values;
  // Set when the round was cut short: the serial device failed, or stop.
  std::optional<Failure> aborted;
};

class Poller {
 public:
  explicit Poller(std::vector<SensorSpec> map);

  [[nodiscard]] RoundResult Round(Session& session, Clock& clock);

  [[nodiscard]] const std::vector<SensorSpec>& map() const { return map_; }
  [[nodiscard]] const std::vector<SensorState>& states() const { return states_; }
  // True once every sensor answered its last round.
  [[nodiscard]] bool AllAnswered() const;
  // Online: each sensor's identification. Degraded: each failing sensor with
  // its reason. Stable while nothing changes (no counters), so a health
  // reason only changes with the news.
  [[nodiscard]] std::string Describe() const;

 private:
  // Records `failure` for sensor `i`; returns false when it ends the round.
  bool Fail(std::size_t i, const Failure& failure, RoundResult& result);
  void Accept(std::size_t i, const std::vector<double>& raw, RoundResult& result);

  std::vector<SensorSpec> map_;
  std::vector<SensorState> states_;
};

}  // namespace cityedge::drivers::sdi12
