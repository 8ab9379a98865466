// SPDX-License-Identifier: Apache-2.0
// Prometheus text exposition format 0.0.4 for a health snapshot: every series
// with # HELP and # TYPE lines, base units (seconds, bytes), the cityedge_
// prefix, and class/reason/driver/pipeline/device labels. The same text is
// served on GET /metrics (metrics_server.hpp) and by `cityedge metrics`.
#pragma once

#include <string>
#include <string_view>

#include "daemon/health/collector.hpp"

namespace cityedge::health {

// Content-Type of the text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

[[nodiscard]] std::string RenderMetrics(const Snapshot& snapshot);

// A label value with backslash, double quote and line feed escaped.
[[nodiscard]] std::string EscapeLabelValue(std::string_view value);

}  // namespace cityedge::health
