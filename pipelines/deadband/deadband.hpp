// SPDX-License-Identifier: Apache-2.0
// deadband: report by exception. A reading passes only when it moved out of
// the band around the last reading passed, its quality changed, or
// max_interval went by. Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::deadband {

[[nodiscard]] PipelineType Type();

}  // namespace cityedge::pipelines::deadband
