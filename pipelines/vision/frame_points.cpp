// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/frame_points.hpp"

namespace cityedge::pipelines::vision {

cv::Point2f FramePoint(const std::vector<double>& xy) {
  return {static_cast<float>(xy.at(0)), static_cast<float>(xy.at(1))};
}

std::vector<cv::Point2f> FramePoints(const std::vector<std::vector<double>>& points) {
  std::vector<cv::Point2f> out;
  out.reserve(points.size());
  for (const std::vector<double>& xy : points) out.push_back(FramePoint(xy));
  return out;
}

}  // namespace cityedge::pipelines::vision
