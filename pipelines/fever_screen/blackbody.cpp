// SPDX-License-Identifier: Apache-2.0
#include "pipelines/fever_screen/blackbody.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "pipelines/fever_screen/localiser.hpp"

namespace cityedge::pipelines::fever_screen {
namespace {

// The blackbody's warm face: pixels within this of the region's 90th
// percentile. Its centroid moves when the blackbody or the camera does.
constexpr double kWarmFaceBandC = 1.0;

cv::Point2d WarmCentroid(const cv::Mat& region, double p90) {
  cv::Mat warm;
  cv::compare(region, p90 - kWarmFaceBandC, warm, cv::CMP_GE);
  const cv::Moments m = cv::moments(warm, true);
  if (m.m00 <= 0) return {region.cols / 2.0, region.rows / 2.0};
  return {m.m10 / m.m00, m.m01 / m.m00};
}

}  // namespace

ReferenceVerdict BlackbodyMonitor::Observe(const cv::Mat& celsius, std::int64_t t_ns) {
  ReferenceVerdict v;
  const cv::Rect rect = config_.rect & cv::Rect(0, 0, celsius.cols, celsius.rows);
  if (rect.area() < 4) {
    v.problem = ReferenceProblem::kMissing;
    v.reason = "reference region is outside the frame";
  } else {
    const cv::Mat region = celsius(rect);
    v.measured_c = Percentile(region, cv::Mat(), 50);
    v.offset_c = v.measured_c - config_.set_c;
    cv::Scalar mean, stddev;
    cv::meanStdDev(region, mean, stddev);
    v.std_c = stddev[0];
    const cv::Point2d centroid = WarmCentroid(region, Percentile(region, cv::Mat(), 90));
    if (std::abs(v.offset_c) > config_.tolerance_c) {
      v.problem = ReferenceProblem::kMissing;
      v.reason = fmt::format(
          "blackbody reference missing or not at temperature: region reads {:.2f} °C, set {:.2f} "
          "°C ± {:.2f}",
          v.measured_c, config_.set_c, config_.tolerance_c);
    } else if (v.std_c > config_.max_std_c) {
      v.problem = ReferenceProblem::kMoving;
      v.reason = fmt::format(
          "blackbody reference moving or partly covered: spread {:.2f} °C in its region (limit "
          "{:.2f})",
          v.std_c, config_.max_std_c);
    } else if (baseline_centroid_ &&
               cv::norm(centroid - *baseline_centroid_) > config_.max_shift_px) {
      v.problem = ReferenceProblem::kMoving;
      v.reason = fmt::format("blackbody reference moved {:.1f} px in its region (limit {:.1f})",
                             cv::norm(centroid - *baseline_centroid_), config_.max_shift_px);
    } else if (auto unstable = Unstable(v.offset_c, t_ns)) {
      v.problem = ReferenceProblem::kUnstable;
      v.reason = *unstable;
    }
    if (v.problem == ReferenceProblem::kNone && !baseline_centroid_) baseline_centroid_ = centroid;
  }
  if (v.problem == ReferenceProblem::kNone) {
    usable_ = usable_ || ++good_run_ >= config_.recover_frames;
  } else {
    good_run_ = 0;
    usable_ = false;
  }
  return v;
}

std::optional<std::string> BlackbodyMonitor::Unstable(double offset_c, std::int64_t t_ns) {
  offsets_.emplace_back(t_ns, offset_c);
  while (!offsets_.empty() && t_ns - offsets_.front().first > config_.window_ns) {
    offsets_.pop_front();
  }
  // Halves of the window, averaged, so pixel noise does not read as drift.
  const std::int64_t span_ns = t_ns - offsets_.front().first;
  if (span_ns < config_.window_ns / 2 || offsets_.size() < 4) return std::nullopt;
  const std::int64_t mid_ns = offsets_.front().first + span_ns / 2;
  double old_sum = 0, new_sum = 0, old_t = 0, new_t = 0;
  int old_n = 0, new_n = 0;
  for (const auto& [t, offset] : offsets_) {
    if (t < mid_ns) {
      old_sum += offset;
      old_t += static_cast<double>(t - mid_ns);
      ++old_n;
    } else {
      new_sum += offset;
      new_t += static_cast<double>(t - mid_ns);
      ++new_n;
    }
  }
  if (old_n == 0 || new_n == 0) return std::nullopt;
  const double minutes = (new_t / new_n - old_t / old_n) / 60e9;
  const double rate = (new_sum / new_n - old_sum / old_n) / minutes;
  if (std::abs(rate) <= config_.max_drift_c_per_min) return std::nullopt;
  return fmt::format("blackbody reference unstable: offset changing {:+.2f} °C/min (limit {:.2f})",
                     rate, config_.max_drift_c_per_min);
}

}  // namespace cityedge::pipelines::fever_screen
