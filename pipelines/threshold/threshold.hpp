// SPDX-License-Identifier: Apache-2.0
// threshold: high and/or low limits with hysteresis and debounce, and a
// stale-input alert when an input goes silent. Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::threshold {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::threshold
