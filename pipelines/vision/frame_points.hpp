// SPDX-License-Identifier: Apache-2.0
// Zone corners and line ends as OpenCV points: settings give them as [x, y]
// in normalised frame coordinates (pipelines/zones.hpp), validated by the
// daemon, so each holds exactly two numbers in 0..1.
// THREADING: pure functions; any thread.
#pragma once

#include <vector>

#include <opencv2/core/types.hpp>

namespace cityedge::pipelines::vision {

[[nodiscard]] cv::Point2f FramePoint(const std::vector<double>& xy);
[[nodiscard]] std::vector<cv::Point2f> FramePoints(const std::vector<std::vector<double>>& points);

}  // namespace cityedge::pipelines::vision
