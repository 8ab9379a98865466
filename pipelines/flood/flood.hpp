// SPDX-License-Identifier: Apache-2.0
// flood: water level against blue/yellow/orange/red warning levels with
// hysteresis, rate of rise as an early warning, and sensor-fault detection
// (stuck values, physically impossible jumps). Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::flood {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::flood
