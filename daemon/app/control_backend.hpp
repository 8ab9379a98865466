// SPDX-License-Identifier: Apache-2.0
// The daemon's side of the control plane: answers the dispatcher's questions
// from the journal, uplink, driver host and pipelines, and hands its orders to
// the parts that carry them out (config::Applier, uplink::Replayer,
// Components).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/app/components.hpp"
#include "daemon/app/registry.hpp"
#include "daemon/config/applier.hpp"
#include "daemon/config/loader.hpp"
#include "daemon/control/backend.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/health/collector.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/host/listeners.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/replay.hpp"
#include "daemon/uplink/uplink.hpp"
#include "daemon/vision/supervisor.hpp"
#include "pipelines/sample_tap.hpp"

namespace cityedge::app {

using pipelines::SampleTap;

// Every driver and pipeline instance the daemon runs: the core's own and the
// vision workers'. The control plane and the health snapshot show the same.
[[nodiscard]] std::vector<DriverInstanceStatus> AllDrivers(const host::DriverHost& drivers,
                                                           const vision::Supervisor& vision);
[[nodiscard]] std::vector<PipelineInstanceStatus> AllPipelines(const SampleTap& tap,
                                                               const vision::Supervisor& vision);

// THREADING: Backend methods are called from control threads concurrently;
// config apply and driver restarts are serialised by one mutex.
class ControlBackend final : public control::Backend {
 public:
  // `config_path` is the file `loaded` came from (config apply rewrites it)
  // and `config_yaml` its text.
  // OWNERSHIP: everything passed by reference is borrowed and outlives the
  // backend.
  ControlBackend(std::string config_path, std::string config_yaml, config::Loaded loaded,
                 const Registry& registry, Components& components, journal::Journal& journal,
                 uplink::Uplink& uplink, host::DriverHost& drivers, SampleTap& tap,
                 vision::Supervisor& vision, const clock::Clock& clock,
                 const health::Collector& health);
  ~ControlBackend() override = default;  // stops a replay in progress

  control::Fields StatusFields() override;
  std::vector<DriverInstanceStatus> Drivers() override;
  std::vector<PipelineInstanceStatus> Pipelines() override;
  control::Fields Backlog() override;
  Result<std::vector<v1::Event>> EventsFrom(std::uint64_t first_seq,
                                            std::size_t max_events) override;
  std::uint64_t DurableSeq() override;
  Result<std::vector<v1::Event>> ReadNow(const std::string& instance) override;
  Result<std::string> Snapshot(const std::string& instance, std::uint32_t max_width) override;
  Result<std::string> CheckConfig(const std::string& yaml) override;
  std::pair<std::string, std::string> CurrentConfig() override;
  Result<std::string> ApplyConfig(const std::string& yaml,
                                  const std::string& expected_hash) override;
  Result<control::ReplayPlan> Replay(const v1::ReplayRequest& request) override;
  Status Rebirth() override;
  Status RestartDriver(const std::string& instance) override;
  Result<std::string> MetricsText() override;
  std::vector<v1::ValueSeries> RecentValues(std::uint32_t seconds) override;

  // The config running now (for the birth message).
  [[nodiscard]] config::Loaded Current() const;
  // The clock keeper's floor, so status says when the wall clock reads
  // earlier than a time known to have passed. Set before the control plane
  // starts; without it status shows no floor.
  void SetTimeFloor(uplink::TimeFloor floor) { time_floor_ = std::move(floor); }

 private:
  Components& components_;
  journal::Journal& journal_;
  uplink::Uplink& uplink_;
  host::DriverHost& drivers_;
  SampleTap& tap_;
  vision::Supervisor& vision_;
  const clock::Clock& clock_;
  const health::Collector& health_;
  const std::int64_t started_mono_ns_;
  uplink::TimeFloor time_floor_;
  std::mutex apply_mu_;  // one config apply or driver restart at a time
  config::Applier applier_;
  uplink::Replayer replayer_;
};

}  // namespace cityedge::app
