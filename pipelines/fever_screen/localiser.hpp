// SPDX-License-Identifier: Apache-2.0
// Finding faces in a thermal frame: pixels in the skin-temperature band
// (after blackbody correction), cleaned by a morphological opening, grouped
// into connected components, kept when their size, aspect and fill look like
// a head. Plus the percentile measurement used on the regions.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace cityedge::pipelines::fever_screen {

struct LocaliserConfig {
  double skin_min_c = 30.0;
  double skin_max_c = 42.0;
  int min_area_px = 40;
  int max_area_px = 4000;
  double min_aspect = 0.5;  // width / height
  double max_aspect = 1.5;
  double min_fill = 0.4;  // component pixels / bounding box; an ellipse fills 0.79
};

struct WarmRegion {
  cv::Rect box;  // in frame pixels
  cv::Mat mask;  // CV_8U, box-sized, 255 on the component's pixels
  int area_px = 0;
};

// Regions of `celsius` (CV_32F) that look like faces; pixels inside
// `exclude` (the blackbody) never count.
[[nodiscard]] std::vector<WarmRegion> FindWarmRegions(const cv::Mat& celsius,
                                                      const LocaliserConfig& config,
                                                      const cv::Rect& exclude);

// The `percent` percentile (0..100, nearest rank) of the CV_32F values under
// `mask` (CV_8U, same size; empty: every value). NaN when nothing is selected.
[[nodiscard]] double Percentile(const cv::Mat& values, const cv::Mat& mask, double percent);

}  // namespace cityedge::pipelines::fever_screen
