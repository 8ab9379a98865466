// SPDX-License-Identifier: Apache-2.0
// rainfall: rain over the last 1, 3, 6, 12 and 24 h and the current intensity
// from a rain gauge (a cumulative counter or per-interval amounts), the
// blue/yellow/orange/red rainstorm signals on observed rain with hysteresis
// and a clear-after period, and gauge faults (implausible intensity, silence).
// Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::rainfall {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::rainfall
