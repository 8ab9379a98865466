// OpenCV-typed face detection behind privacy.hpp, for code inside pipelines/
// that already works on cv::Mat (the privacy filter, thermal fusion).
// THREADING: as privacy.hpp: any thread; detection is serialised.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "daemon/core/frame.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::pipelines::privacy {

// Faces in an 8-bit gray image. `thorough`: every cascade, low neighbour
// count, small minimum size (the privacy filter); otherwise the frontal Haar
// cascade at its usual settings.
[[nodiscard]] Result<std::vector<cv::Rect>> DetectFacesGray(const cv::Mat& gray, bool thorough);

// A cv::Mat header over the frame's pixels (no copy; valid while the frame's
// `hold` lives): CV_8UC3, CV_8UC1 or CV_16UC1.
[[nodiscard]] cv::Mat ViewOf(const Frame& frame);

// 8-bit gray version of a view (Y16 stretched over its own min..max).
[[nodiscard]] cv::Mat GrayOf(const cv::Mat& view);

}  // namespace cityedge::pipelines::privacy
