// SPDX-License-Identifier: Apache-2.0
// OpenCV views of frames, for the vision pipelines and the privacy filter.
// THREADING: pure functions; any thread.
#pragma once

#include <opencv2/core.hpp>

#include "daemon/core/frame.hpp"

namespace cityedge::pipelines::vision {

// A cv::Mat header over the frame's pixels (no copy; valid while the frame's
// `hold` lives): CV_8UC3, CV_8UC1 or CV_16UC1.
[[nodiscard]] cv::Mat ViewOf(const Frame& frame);

// 8-bit gray version of a view (Y16 stretched over its own min..max).
[[nodiscard]] cv::Mat GrayOf(const cv::Mat& view);

}  // namespace cityedge::pipelines::vision
