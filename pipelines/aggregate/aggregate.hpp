// SPDX-License-Identifier: Apache-2.0
// aggregate: tumbling-window statistics (min, max, mean, count, last) of each
// input; decibel channels are energy-averaged. Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::aggregate {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::aggregate
