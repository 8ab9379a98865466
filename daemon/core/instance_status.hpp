// SPDX-License-Identifier: Apache-2.0
// What the daemon knows of each driver and pipeline instance, as the driver
// host and the pipeline router keep it, and of each vision worker. The `cityedge drivers` and
// `cityedge pipelines` tables, the health event and the Prometheus metrics
// all show these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"

namespace cityedge {

struct DriverInstanceStatus {
  std::string id;
  std::string type;
  v1::ComponentState state = v1::COMPONENT_STATE_UNSPECIFIED;
  std::string reason;
  std::uint32_t restarts = 0;
  std::uint64_t readings = 0;
  std::uint64_t frames = 0;
  std::uint64_t rejected = 0;     // readings/frames refused as malformed
  std::uint64_t sink_errors = 0;  // telemetry events the sink refused
};

struct PipelineInstanceStatus {
  std::string id;
  std::string type;
  std::uint64_t samples = 0;
  std::uint64_t frames = 0;          // handed to OnFrame
  std::uint64_t frames_dropped = 0;  // replaced while waiting: the pipeline was busy
};

// One vision worker process (daemon/vision/supervisor.hpp).
struct VisionWorkerStatus {
  std::string name;  // "vision-<first driver id>"
  int pid = 0;       // 0 while it is not running
  bool running = false;
  std::uint32_t restarts = 0;
  std::uint64_t rss_bytes = 0;
  std::string last_exit;  // why the last one ended, "" if none has
  std::uint32_t landlock_abi = 0;
  bool seccomp = false;
  std::vector<std::string> drivers;
  std::vector<std::string> pipelines;
};

}  // namespace cityedge
