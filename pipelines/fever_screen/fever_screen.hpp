// SPDX-License-Identifier: Apache-2.0
// fever_screen: contact-free screening for elevated skin temperature in
// radiometric thermal frames, referenced to a blackbody in the scene, with
// faces found by skin-temperature segmentation and optionally confirmed by a
// paired visible camera's face detections. One alert per person. A screening
// result, never a diagnosis. Settings and behaviour: README.md.
#pragma once

#include <memory>

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::vision {
class FaceDetector;  // pipelines/vision/haar_face_detector.hpp (OpenCV)
}  // namespace cityedge::pipelines::vision

namespace cityedge::pipelines::fever_screen {

using vision::FaceDetector;

// The whole type, with its code (vision workers).
[[nodiscard]] PipelineType Type();
// Name, description and settings without code (create is empty): what the
// core validates and describes; defined in fever_screen_type.cpp, no OpenCV.
[[nodiscard]] PipelineType SchemaType();

// As Type().create, with `detector` used for the visible input instead of the
// Haar cascade named in the settings (tests; other detectors).
[[nodiscard]] Result<std::unique_ptr<Pipeline>> CreateWithDetector(
    const config::Settings& settings, Context context, std::unique_ptr<FaceDetector> detector);

}  // namespace cityedge::pipelines::fever_screen
