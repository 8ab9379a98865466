// SPDX-License-Identifier: Apache-2.0
// people_count: people in view, per zone, and directional line crossings,
// from a camera's frames (HOG people detector, motion-gated; see
// detector.hpp) with a light tracker (tracker.hpp). Events carry counts only;
// track ids never leave the gateway. Settings: README.md.
#pragma once

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::people_count {

// The whole type, with its code (vision workers).
[[nodiscard]] PipelineType Type();
// Name, description and settings without code (create is empty): what the
// core validates and describes; defined in people_count_type.cpp, no OpenCV.
[[nodiscard]] PipelineType SchemaType();

}  // namespace cityedge::pipelines::people_count
