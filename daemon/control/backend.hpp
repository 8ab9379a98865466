// SPDX-License-Identifier: Apache-2.0
// What the control plane may ask of the running daemon. The dispatcher turns
// commands into calls on this interface and results into replies; the daemon
// implements it over its journal, uplink, driver host and pipelines, and
// tests put a fake behind it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cityedge/v1/command.pb.h"
#include "cityedge/v1/event.pb.h"
#include "daemon/core/instance_status.hpp"
#include "daemon/core/status.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/replay.hpp"

namespace cityedge::control {

// Ordered name/value pairs, shown as a two-column table by the CLI.
using Fields = std::vector<std::pair<std::string, std::string>>;

using ReplayPlan = uplink::ReplayPlan;

// THREADING: every method may be called from the control threads concurrently
// with the daemon's own work; implementations lock what they touch.
class Backend {
 public:
  virtual ~Backend() = default;

  [[nodiscard]] virtual Fields StatusFields() = 0;
  [[nodiscard]] virtual std::vector<DriverInstanceStatus> Drivers() = 0;
  [[nodiscard]] virtual std::vector<PipelineInstanceStatus> Pipelines() = 0;
  [[nodiscard]] virtual Fields Backlog() = 0;

  // Events the journal holds with seq >= first_seq, at most max_events, in
  // seq order (tail follows the journal with this).
  [[nodiscard]] virtual Result<std::vector<v1::Event>> EventsFrom(std::uint64_t first_seq,
                                                                  std::size_t max_events) = 0;
  [[nodiscard]] virtual std::uint64_t DurableSeq() = 0;

  // Asks a driver instance for a reading now and returns what it produced.
  [[nodiscard]] virtual Result<std::vector<v1::Event>> ReadNow(const std::string& instance) = 0;
  // A privacy-pixelated JPEG of the newest frame of a camera instance.
  [[nodiscard]] virtual Result<std::string> Snapshot(const std::string& instance,
                                                     std::uint32_t max_width) = 0;

  // Validates a config; the error lists every problem, one per line.
  [[nodiscard]] virtual Result<std::string> CheckConfig(const std::string& yaml) = 0;  // hash
  [[nodiscard]] virtual std::pair<std::string, std::string> CurrentConfig() = 0;       // yaml, hash
  // Validates, stores and applies a config; restores the running one when the
  // new one fails to start. Returns the hash now running.
  [[nodiscard]] virtual Result<std::string> ApplyConfig(const std::string& yaml,
                                                        const std::string& expected_hash) = 0;

  [[nodiscard]] virtual Result<ReplayPlan> Replay(const v1::ReplayRequest& request) = 0;
  [[nodiscard]] virtual Status Rebirth() = 0;
  [[nodiscard]] virtual Status RestartDriver(const std::string& instance) = 0;

  // The Prometheus text of GET /metrics. Not pure so that backends without a
  // health collector (test fakes) need not implement it.
  [[nodiscard]] virtual Result<std::string> MetricsText() {
    return MakeError(Code::kUnimplemented, "this gateway does not collect metrics");
  }

  // The last `seconds` of every reading channel, a value a second (see
  // RecentValuesRequest in command.proto). Empty for backends that keep none.
  [[nodiscard]] virtual std::vector<v1::ValueSeries> RecentValues(std::uint32_t seconds) {
    (void)seconds;
    return {};
  }
};

}  // namespace cityedge::control
