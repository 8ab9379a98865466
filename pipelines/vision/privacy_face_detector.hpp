// SPDX-License-Identifier: Apache-2.0
// The privacy filter's face detector, OpenCV-typed, behind privacy.hpp's
// DetectFaces: every face cascade of Debian's opencv-data, loaded once per
// process and shared, tuned to err toward finding too many faces. Not
// haar_face_detector.hpp, which loads the one cascade a pipeline's settings
// name, per instance, at the usual settings.
// THREADING: as privacy.hpp: any thread; detection is serialised.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "daemon/core/status.hpp"

namespace cityedge::pipelines::privacy {

// Faces in an 8-bit gray image. `thorough`: every cascade, low neighbour
// count, small minimum size (the privacy filter); otherwise the frontal Haar
// cascade at its usual settings.
[[nodiscard]] Result<std::vector<cv::Rect>> DetectFacesGray(const cv::Mat& gray, bool thorough);

}  // namespace cityedge::pipelines::privacy
