// SPDX-License-Identifier: Apache-2.0
// Which part of a config runs where: the core keeps the reading drivers and
// the pipelines that read them; every group of frame drivers (cameras,
// thermal scanners) joined by the pipelines that read them becomes one vision
// worker, so a fever_screen that fuses a thermal scanner and a camera puts
// both in one worker, and two unrelated cameras get two.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/internal/vision_worker.pb.h"
#include "cityedge/v1/config.pb.h"

namespace cityedge::vision {

struct WorkerPlan {
  std::string name;  // "vision-<first driver id>", stable across restarts and applies
  std::vector<std::string> drivers;    // frame driver instance ids
  std::vector<std::string> pipelines;  // pipeline instance ids
  // The worker's config: its drivers and pipelines, with the gateway, logging
  // and driver_dir sections of the whole.
  v1::Config config;
  internal::SandboxPolicy sandbox;
};

struct Plan {
  v1::Config core;  // the config without the workers' drivers and pipelines
  std::vector<WorkerPlan> workers;
};

// True for driver types that emit frames (DriverType::emits_frames).
using EmitsFrames = std::function<bool(std::string_view driver_type)>;

// Splits `config` (already validated). A pipeline goes to a worker when one
// of its inputs is a frame driver instance; all frame drivers it reads share
// that worker. Disabled instances stay in the
// core's part (where nothing runs them). The sandbox policy of a worker
// allows reading every path its drivers' and pipelines' string settings name
// (absolute, or relative to the working directory the worker inherits and
// existing there), writing the folders named by evidence*_dir settings of
// instances that turn an evidence output on (a true evidence* setting), and
// the network when a setting is a URL.
[[nodiscard]] Plan SplitConfig(const v1::Config& config, const EmitsFrames& emits_frames);

}  // namespace cityedge::vision
