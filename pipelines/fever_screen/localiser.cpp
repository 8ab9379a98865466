// SPDX-License-Identifier: Apache-2.0
#include "pipelines/fever_screen/localiser.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace cityedge::pipelines::fever_screen {

std::vector<WarmRegion> FindWarmRegions(const cv::Mat& celsius, const LocaliserConfig& config,
                                        const cv::Rect& exclude) {
  cv::Mat band;
  cv::inRange(celsius, config.skin_min_c, config.skin_max_c, band);
  const cv::Rect blocked = exclude & cv::Rect(0, 0, celsius.cols, celsius.rows);
  if (blocked.area() > 0) band(blocked).setTo(0);
  // Single hot pixels (noise, reflections) are not faces.
  cv::morphologyEx(band, band, cv::MORPH_OPEN,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(band, labels, stats, centroids, 8, CV_32S);
  std::vector<WarmRegion> regions;
  for (int i = 1; i < n; ++i) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    const double aspect = static_cast<double>(box.width) / box.height;
    const double fill = static_cast<double>(area) / box.area();
    if (area < config.min_area_px || area > config.max_area_px || aspect < config.min_aspect ||
        aspect > config.max_aspect || fill < config.min_fill) {
      continue;
    }
    WarmRegion region{box, {}, area};
    cv::compare(labels(box), i, region.mask, cv::CMP_EQ);
    regions.push_back(std::move(region));
  }
  return regions;
}

double Percentile(const cv::Mat& values, const cv::Mat& mask, double percent) {
  std::vector<float> selected;
  selected.reserve(values.total());
  for (int y = 0; y < values.rows; ++y) {
    const float* row = values.ptr<float>(y);
    const std::uint8_t* m = mask.empty() ? nullptr : mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (m == nullptr || m[x] != 0) selected.push_back(row[x]);
    }
  }
  if (selected.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double rank = std::ceil(percent / 100.0 * static_cast<double>(selected.size()));
  const auto k = static_cast<std::size_t>(std::clamp(rank, 1.0, double(selected.size()))) - 1;
  std::nth_element(selected.begin(), selected.begin() + static_cast<std::ptrdiff_t>(k),
                   selected.end());
  return selected[k];
}

}  // namespace cityedge::pipelines::fever_screen
