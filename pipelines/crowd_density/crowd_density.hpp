// SPDX-License-Identifier: Apache-2.0
// crowd_density: foreground occupancy per zone (MOG2 background subtraction),
// people per m² when the zone's ground area is configured, and crowd levels
// normal / busy / crowded / critical with hysteresis; an alert on every level
// change. Settings: README.md.
#pragma once

#include <array>

#include "cityedge/v1/event.pb.h"
#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::crowd_density {

// The whole type, with its code (vision workers).
[[nodiscard]] PipelineType Type();
// Name, description and settings without code (create is empty): what the
// core validates and describes; defined in crowd_density_type.cpp, no OpenCV.
[[nodiscard]] PipelineType SchemaType();

// The level for `value` given the current level: rises as soon as value
// reaches a higher threshold (busy, crowded, critical, ascending); falls only
// once value is below (1 - hysteresis) x the threshold of the current level.
[[nodiscard]] v1::CrowdLevel NextLevel(v1::CrowdLevel current, double value,
                                       const std::array<double, 3>& thresholds, double hysteresis);

}  // namespace cityedge::pipelines::crowd_density
