// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/frame_view.hpp"

#include <cstdint>

#include <opencv2/imgproc.hpp>

namespace cityedge::pipelines::vision {

cv::Mat ViewOf(const Frame& frame) {
  const int type = frame.format == PixelFormat::kBgr8  ? CV_8UC3
                   : frame.format == PixelFormat::kY16 ? CV_16UC1
                                                       : CV_8UC1;
  // OpenCV wants a non-const pointer; the views built here are only read.
  return cv::Mat(static_cast<int>(frame.height), static_cast<int>(frame.width), type,
                 const_cast<std::uint8_t*>(frame.data), frame.stride);
}

cv::Mat GrayOf(const cv::Mat& view) {
  cv::Mat gray;
  if (view.type() == CV_8UC3) {
    cv::cvtColor(view, gray, cv::COLOR_BGR2GRAY);
  } else if (view.type() == CV_16UC1) {
    cv::normalize(view, gray, 0, 255, cv::NORM_MINMAX, CV_8U);
  } else {
    gray = view;
  }
  return gray;
}

}  // namespace cityedge::pipelines::vision
