// SPDX-License-Identifier: Apache-2.0
// The gateway's health at one moment: process, storage, journal, uplink,
// drivers, pipelines and clock, gathered from the parts that own them. The
// same snapshot feeds the periodic GatewayHealth event (health_reporter.hpp),
// the Prometheus text (prometheus.hpp) and `cityedge metrics`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/instance_status.hpp"
#include "daemon/health/system_stats.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"

namespace cityedge::health {

struct Snapshot {
  std::string gateway_id;
  std::string version;
  std::int64_t uptime_s = 0;
  std::optional<double> cpu_seconds;  // user + system since the process started
  std::optional<std::uint64_t> rss_bytes;
  std::optional<std::uint64_t> disk_free_bytes;  // on the journal's filesystem
  journal::Stats journal;
  uplink::UplinkStats uplink;
  std::vector<DriverInstanceStatus> drivers;
  std::vector<PipelineInstanceStatus> pipelines;
  std::vector<VisionWorkerStatus> vision_workers;
  clock::SyncInfo clock;
  std::vector<StorageWear> storage_wear;
};

// Where each part of a snapshot comes from. The daemon binds these to its
// journal, uplink, driver host and pipeline router; tests bind fakes.
// THREADING: each is called on the thread that calls Collect.
struct Sources {
  std::function<journal::Stats()> journal;
  std::function<uplink::UplinkStats()> uplink;
  std::function<std::vector<DriverInstanceStatus>()> drivers;
  std::function<std::vector<PipelineInstanceStatus>()> pipelines;
  std::function<std::vector<VisionWorkerStatus>()> vision_workers;
};

struct CollectorOptions {
  std::string gateway_id;
  std::string version;
  std::string state_dir = ".";             // the journal's folder (disk free)
  std::string proc_self = "/proc/self";    // CPU time and RSS
  std::string sysfs_class = "/sys/class";  // mmc_host/*/mmc*/life_time
};

// THREADING: Collect is safe from several threads at once.
// OWNERSHIP: `clock` is borrowed and outlives the collector.
class Collector {
 public:
  Collector(CollectorOptions options, Sources sources, const clock::Clock& clock);

  [[nodiscard]] Snapshot Collect() const;

 private:
  const CollectorOptions options_;
  const Sources sources_;
  const clock::Clock& clock_;
  const std::int64_t started_mono_ns_;
};

// What one health event carries beyond the snapshot: rates over the interval
// since the previous snapshot (CPU %, frames per second per pipeline).
// `previous` is nullptr for the first event; rates are then 0.
[[nodiscard]] v1::GatewayHealth MakeGatewayHealth(const Snapshot& now, const Snapshot* previous,
                                                  double interval_s);

}  // namespace cityedge::health
