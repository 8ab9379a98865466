// SPDX-License-Identifier: Apache-2.0
// aqi: air quality index from pollutant readings: China's HJ 633-2012
// (hourly "real-time" and daily reports) or, optionally, the US EPA AQI.
// Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::aqi {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::aqi
